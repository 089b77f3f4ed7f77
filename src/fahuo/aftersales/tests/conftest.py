from fahuo.tracking.tests.conftest import douyin_account  # noqa: F401  (the 抖店 app and shop id)
