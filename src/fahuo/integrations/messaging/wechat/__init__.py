"""WeChat mini-program subscribe messages (订阅消息) to private-domain buyers, by openid."""
