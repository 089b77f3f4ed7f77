"""The demo data set (``fahuo demo``): a live-stream shop the morning after a busy stream."""
