"""A logging filter that masks mobile numbers in every log line (issue #12, finding 2): a phone
typed in a search box travels in the query string, and the development server's request log,
Django's warnings and any library logging a URL would otherwise write it out in clear."""

from __future__ import annotations

import logging

from fahuo.kit.privacy import scrub


class ScrubPhones(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem, not ours; keep it as it is
            return True
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True
