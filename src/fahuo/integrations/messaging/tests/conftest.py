from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]


def golden(provider: str, name: str) -> Any:
    return json.loads((HERE / provider / "golden" / name).read_text(encoding="utf-8"))
