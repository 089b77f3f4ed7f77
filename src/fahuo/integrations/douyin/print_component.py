"""The 抖音电子面单 print component (打印组件): a local client the desk sends print tasks to over a
websocket, and a simulator of it for tests and the demo.

Protocol (docs/integrations/douyin-waybill.md; the same family as the Cainiao/PDD/Kuaishou print
components): JSON frames ``{"cmd", "requestID", "version": "1.0", …}`` on ``ws://127.0.0.1:13888``.
``getPrinters`` answers ``{"status", "printers": [{"name"}], "defaultPrinter"}``; ``print`` sends
``task = {taskID, preview, printer, notifyType: ["print"], documents: [{documentID, contents:
[{encryptedData, signature, templateURL}]}]}`` and is answered ``{"status": "success"|"failed",
"msg", "taskID"}``; once the printer is done the component sends ``notifyPrintResult``
``{taskID, taskStatus: "printed"|"failed", printStatus: [{documentID, status, msg}]}``.
fahuo passes the platform's encrypted print data through unread: the label's receiver is decrypted
by the component, never by fahuo. The desk's browser normally talks to the component
(``fulfilment/static/fulfilment/platform_print.js``); ``send_task`` is the same exchange from the
server, for a desk where fahuo runs on the PC the component runs on.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import WebSocketException
from websockets.sync.client import connect
from websockets.sync.server import Server, ServerConnection, serve

from fahuo.integrations.douyin.waybill import PrintData
from fahuo.kit.errors import ProviderError

DEFAULT_URL = "ws://127.0.0.1:13888"  # the component's local port (wss on 13889)
VERSION = "1.0"


def print_task(
    *,
    task_id: str,
    documents: Sequence[PrintData],
    template_url: str,
    printer: str = "",
    preview: bool = False,
) -> dict[str, Any]:
    """The ``task`` of a ``print`` frame: one document per label (documentID = tracking number);
    ``notifyType: ["print"]`` asks the component for a ``notifyPrintResult`` once printed."""
    return {
        "taskID": task_id,
        "preview": preview,
        "printer": printer,
        "notifyType": ["print"],
        "documents": [
            {
                "documentID": d.track_no,
                "contents": [
                    {"encryptedData": d.print_data, "signature": d.sign, "templateURL": template_url}
                ],
            }
            for d in documents
        ],
    }


def frame_for(task: dict[str, Any]) -> dict[str, Any]:
    """The ``print`` frame that sends one task (a ``print_task``)."""
    return {"cmd": "print", "requestID": uuid.uuid4().hex, "version": VERSION, "task": task}


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """What the component reported for one task: documentID -> "" (printed) or why it failed;
    documents it said nothing about (no notifyPrintResult before the timeout) are ``unknown``."""

    task_id: str
    printer: str = ""
    results: dict[str, str] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()


def parse_notify(frame: dict[str, Any]) -> dict[str, str]:
    """documentID -> "" (printed) or the component's message, from a ``notifyPrintResult`` frame."""
    out: dict[str, str] = {}
    for doc in frame.get("printStatus") or []:
        if not isinstance(doc, dict):
            continue
        ok = str(doc.get("status") or "") == "success"
        out[str(doc.get("documentID") or "")] = (
            "" if ok else str(doc.get("msg") or doc.get("detail") or "打印失败")[:300]
        )
    return out


def _unreachable(url: str, exc: Exception) -> ProviderError:
    return ProviderError(
        f"无法连接抖音电子面单打印组件（{url}）：请确认打印组件已启动",
        detail={"retryable": True, "error": type(exc).__name__},
    )


def _exchange(url: str, frame: dict[str, Any], timeout: float) -> dict[str, Any]:
    try:
        with connect(url, open_timeout=timeout, close_timeout=timeout) as ws:
            ws.send(json.dumps(frame, ensure_ascii=False))
            while True:
                answer = json.loads(ws.recv(timeout=timeout))
                if answer.get("requestID") == frame["requestID"]:
                    return dict(answer)
    except (OSError, TimeoutError, WebSocketException, ValueError) as exc:
        raise _unreachable(url, exc) from None


def send_task(
    *, url: str = DEFAULT_URL, task: dict[str, Any], timeout: float = 10.0, notify_timeout: float = 30.0
) -> TaskOutcome:
    """Send one print task and wait for its ``notifyPrintResult`` frames (server-side printing).
    ProviderError when the component cannot be reached or refuses the task."""
    frame = frame_for(task)
    wanted = [str(d.get("documentID")) for d in task.get("documents") or []]
    results: dict[str, str] = {}
    printer = ""
    try:
        with connect(url, open_timeout=timeout, close_timeout=timeout) as ws:
            ws.send(json.dumps(frame, ensure_ascii=False))
            answered = False
            while len(results) < len(wanted):
                try:
                    message = json.loads(ws.recv(timeout=timeout if not answered else notify_timeout))
                except TimeoutError:
                    if not answered:
                        raise
                    break  # accepted, but no result reported: left unknown
                if message.get("cmd") == "print" and message.get("requestID") == frame["requestID"]:
                    if message.get("status") != "success":
                        raise ProviderError(
                            f"打印组件拒绝了打印任务：{message.get('msg') or '未知原因'}",
                            detail={"retryable": False},
                        )
                    answered, printer = True, str(message.get("printer") or task.get("printer") or "")
                elif message.get("cmd") == "notifyPrintResult" and message.get("taskID") == task["taskID"]:
                    results.update(parse_notify(message))
                    printer = str(message.get("printer") or printer)
    except (OSError, TimeoutError, WebSocketException, ValueError) as exc:
        raise _unreachable(url, exc) from None
    unknown = tuple(d for d in wanted if d not in results)
    return TaskOutcome(str(task["taskID"]), printer, {d: results[d] for d in wanted if d in results}, unknown)


def printers(url: str = DEFAULT_URL, *, timeout: float = 5.0) -> list[str]:
    answer = _exchange(
        url, {"cmd": "getPrinters", "requestID": uuid.uuid4().hex, "version": VERSION}, timeout
    )
    return [str(p.get("name")) for p in answer.get("printers") or [] if isinstance(p, dict)]


def send_print(
    *,
    url: str = DEFAULT_URL,
    documents: Sequence[PrintData],
    template_url: str,
    printer: str = "",
    task_id: str = "",
    timeout: float = 10.0,
) -> str:
    """Send one print task; returns its taskID. ProviderError with the component's message on refusal."""
    task = print_task(
        task_id=task_id or uuid.uuid4().hex, documents=documents, template_url=template_url, printer=printer
    )
    frame = frame_for(task)
    answer = _exchange(url, frame, timeout)
    if answer.get("status") != "success":
        raise ProviderError(
            f"打印组件拒绝了打印任务：{answer.get('msg') or '未知原因'}", detail={"retryable": False}
        )
    return str(frame["task"]["taskID"])


# --- simulator ------------------------------------------------------------------------------------


@dataclass
class PrintComponentSimulator:
    """Records every task it is sent; checks each document's signature like the real component."""

    printer_names: tuple[str, ...] = ("抖音电子面单打印机", "HPRT N41")
    tasks: list[dict[str, Any]] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)  # every raw frame received, verbatim
    # documentID -> why the printer failed it (缺纸, 卡纸 …): reported in notifyPrintResult
    jams: dict[str, str] = field(default_factory=dict)
    notify: bool = True  # send notifyPrintResult after an accepted task (as the component does)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def handler(self, ws: ServerConnection) -> None:
        for raw in ws:
            text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
            with self._lock:
                self.frames.append(text)
            answer = self.answer(text)
            ws.send(json.dumps(answer, ensure_ascii=False))
            if answer.get("cmd") == "print" and answer.get("status") == "success" and self.notify:
                ws.send(json.dumps(self.print_result(answer), ensure_ascii=False))

    def print_result(self, answer: dict[str, Any]) -> dict[str, Any]:
        """The ``notifyPrintResult`` frame for an accepted task: each document printed, or jammed."""
        with self._lock:
            task = next(t for t in reversed(self.tasks) if t.get("taskID") == answer.get("taskID"))
        status = [
            {
                "documentID": d.get("documentID"),
                "status": "failed" if d.get("documentID") in self.jams else "success",
                "msg": self.jams.get(str(d.get("documentID")), ""),
                "detail": self.jams.get(str(d.get("documentID")), ""),
            }
            for d in task.get("documents") or []
        ]
        return {
            "cmd": "notifyPrintResult",
            "requestID": answer.get("requestID"),
            "taskID": answer.get("taskID"),
            "printer": answer.get("printer"),
            "taskStatus": "failed" if any(s["status"] == "failed" for s in status) else "printed",
            "printStatus": status,
        }

    def answer(self, text: str) -> dict[str, Any]:
        try:
            frame = json.loads(text)
        except ValueError:
            return {"cmd": "", "requestID": "", "status": "failed", "msg": "请求不是 JSON"}
        head = {"cmd": frame.get("cmd"), "requestID": frame.get("requestID")}
        if frame.get("cmd") == "getPrinters":
            return {
                **head,
                "status": "success",
                "defaultPrinter": self.printer_names[0],
                "printers": [{"name": n} for n in self.printer_names],
            }
        if frame.get("cmd") != "print":
            return {**head, "status": "failed", "msg": f"不支持的命令 {frame.get('cmd')}"}
        return {**head, **self._print(frame.get("task") or {})}

    def _print(self, task: dict[str, Any]) -> dict[str, Any]:
        from fahuo.integrations.douyin.sim_waybill import sign_print_data

        printer = task.get("printer") or self.printer_names[0]
        if printer not in self.printer_names:
            return {"status": "failed", "msg": f"打印机不存在：{printer}", "taskID": task.get("taskID")}
        docs = task.get("documents") or []
        if not docs:
            return {"status": "failed", "msg": "documents 为空", "taskID": task.get("taskID")}
        for doc in docs:
            for content in doc.get("contents") or []:
                data = str(content.get("encryptedData") or "")
                if not data or sign_print_data(data) != content.get("signature"):
                    return {
                        "status": "failed",
                        "msg": f"面单 {doc.get('documentID')} 签名校验失败",
                        "taskID": task.get("taskID"),
                    }
                if not str(content.get("templateURL") or "").startswith("https://"):
                    return {"status": "failed", "msg": "templateURL 无效", "taskID": task.get("taskID")}
        with self._lock:
            self.tasks.append(task)
        return {"status": "success", "taskID": task.get("taskID"), "printer": printer}

    def printed(self) -> list[str]:
        """documentIDs (tracking numbers) printed, in order (not those the printer jammed on)."""
        with self._lock:
            return [
                str(d.get("documentID"))
                for t in self.tasks
                for d in t.get("documents") or []
                if d.get("documentID") not in self.jams
            ]


@contextmanager
def serve_component(sim: PrintComponentSimulator, port: int = 0) -> Iterator[str]:
    """Run the print-component simulator on 127.0.0.1; yields its ws:// URL."""
    server: Server = serve(sim.handler, "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, name="fahuo-print-component", daemon=True)
    thread.start()
    try:
        host, bound = server.socket.getsockname()[:2]
        yield f"ws://{host}:{bound}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m fahuo.integrations.douyin.print_component [PORT]``: the simulator on this PC (for
    the demo desk, where no real print component is installed); Ctrl-C stops it."""
    import sys
    import time

    args = list(sys.argv[1:] if argv is None else argv)
    port = int(args[0]) if args and args[0].isdigit() else 13888
    with serve_component(PrintComponentSimulator(), port=port) as url:
        print(f"抖音电子面单打印组件模拟器：{url}（Ctrl-C 停止）", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
