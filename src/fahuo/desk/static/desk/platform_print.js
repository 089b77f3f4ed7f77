// Prints 抖音电子面单 labels on the print component (打印组件) of the PC this page is open on.
// The server prepares the tasks (the platform's signed, encrypted print data); this script opens a
// websocket to the component, sends each task ({cmd: "print", requestID, version, task}), waits for
// the component's answer and its notifyPrintResult, and reports that back so fahuo records each
// label printed or failed. The component address comes from the shop's account, unless this desk
// remembers another (localStorage).
(function () {
  "use strict";
  var root = document.getElementById("platform-print");
  if (!root) return;
  var KEY = "fahuo.printComponentUrl";
  var NOTIFY_WAIT_MS = 30000;
  var input = document.getElementById("component-url");
  var button = document.getElementById("platform-print-go");
  var box = document.getElementById("platform-print-status");
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var saved = window.localStorage.getItem(KEY);
  if (saved) input.value = saved;
  input.addEventListener("change", function () {
    var value = input.value.trim();
    if (value && value !== input.dataset.default) window.localStorage.setItem(KEY, value);
    else window.localStorage.removeItem(KEY);
  });

  function say(text, kind) {
    box.hidden = false;
    box.className = "msg msg-" + (kind || "info");
    box.textContent = text;
  }

  function uid() {
    return Date.now().toString(16) + Math.random().toString(16).slice(2);
  }

  function open(url) {
    return new Promise(function (resolve, reject) {
      var ws;
      try {
        ws = new WebSocket(url);
      } catch (e) {
        reject(new Error("无法连接抖音电子面单打印组件（" + url + "）：请确认打印组件已启动"));
        return;
      }
      ws.onopen = function () { resolve(ws); };
      ws.onerror = function () {
        reject(new Error("无法连接抖音电子面单打印组件（" + url + "）：请确认打印组件已启动"));
      };
    });
  }

  // One task: the component's answer, then its notifyPrintResult (or, if none comes, "accepted").
  function printTask(ws, task) {
    var frame = { cmd: "print", requestID: uid(), version: "1.0", task: task };
    return new Promise(function (resolve, reject) {
      var answered = false;
      var timer = null;
      ws.onmessage = function (event) {
        var msg;
        try { msg = JSON.parse(event.data); } catch (e) { return; }
        if (msg.cmd === "print" && msg.requestID === frame.requestID) {
          if (msg.status !== "success") {
            reject(new Error("打印组件拒绝了打印任务：" + (msg.msg || "未知原因")));
            return;
          }
          answered = true;
          timer = window.setTimeout(function () {
            resolve({ taskID: task.taskID, printer: msg.printer || "", accepted: task.documents.map(function (d) { return d.documentID; }) });
          }, NOTIFY_WAIT_MS);
        } else if ((msg.cmd === "notifyPrintResult" || msg.cmd === "PrintResultNotify") && msg.taskID === task.taskID) {
          if (timer) window.clearTimeout(timer);
          resolve({ taskID: task.taskID, printer: msg.printer || "", taskStatus: msg.taskStatus, printStatus: msg.printStatus || [] });
        }
      };
      ws.onclose = function () {
        if (!answered) reject(new Error("打印组件断开了连接"));
      };
      ws.send(JSON.stringify(frame));
    });
  }

  function post(url, body, json) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Content-Type": json ? "application/json" : "application/x-www-form-urlencoded" },
      body: body,
    }).then(function (r) {
      if (!r.ok) throw new Error("服务器返回 " + r.status);
      return r.json();
    });
  }

  function failedReport(task, why) {
    return {
      taskID: task.taskID,
      taskStatus: "failed",
      printStatus: task.documents.map(function (d) { return { documentID: d.documentID, status: "failed", msg: why }; }),
    };
  }

  async function run() {
    var ids = (button.dataset.ids || "").split(",").filter(Boolean);
    if (!ids.length) return;
    button.disabled = true;
    say("正在向抖店获取打印数据…");
    var form = new URLSearchParams();
    ids.forEach(function (id) { form.append("print", id); });
    var prepared;
    try {
      prepared = await post(root.dataset.prepare, form.toString(), false);
    } catch (e) {
      say("获取打印数据失败：" + e.message, "error");
      button.disabled = false;
      return;
    }
    var printed = 0, failed = prepared.failed.length, problem = "";
    var sockets = {};
    for (var i = 0; i < prepared.tasks.length; i++) {
      var item = prepared.tasks[i];
      var url = window.localStorage.getItem(KEY) || item.url;
      var report;
      try {
        if (!sockets[url]) sockets[url] = await open(url);
        say("正在打印第 " + (i + 1) + " / " + prepared.tasks.length + " 个任务…");
        report = await printTask(sockets[url], item.task);
      } catch (e) {
        problem = e.message;
        report = failedReport(item.task, e.message);
      }
      var got = await post(root.dataset.result, JSON.stringify(report), true);
      printed += got.printed;
      failed += got.failed;
    }
    Object.keys(sockets).forEach(function (u) { sockets[u].close(); });
    var text = "已打印 " + printed + " 张，失败 " + failed + " 张" + (problem ? "：" + problem : "");
    say(text, failed ? "error" : "success");
    root.dataset.done = "true";
    window.setTimeout(function () { window.location.reload(); }, failed ? 4000 : 1500);
  }

  button.addEventListener("click", function () { run(); });
})();
