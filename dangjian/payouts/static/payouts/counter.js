// The counter: pick a resident, capture the signature, pay once.
// Nothing is kept in browser storage; a payment whose answer was lost is retried with the same
// Idempotency-Key, so the server answers with the first payment instead of paying again.
(() => {
  const root = document.querySelector("[data-counter]");
  if (!root) return;
  const panel = root.querySelector("[data-panel]");
  const status = root.querySelector("[data-status]");
  const payButton = root.querySelector("[data-pay]");
  const offline = root.querySelector("[data-offline]");
  const badge = root.querySelector("[data-online-badge]");
  const canvas = root.querySelector("[data-signature]");
  const proxyBox = root.querySelector("[data-proxy]");
  const proxyName = root.querySelector("[data-proxy-name]");
  const proxyId = root.querySelector("[data-proxy-id]");
  let pad = null;
  let current = null; // {id, name, amount}
  let pending = null; // {key, payload}: a request sent whose answer we have not seen
  let inFlight = false;

  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function say(text, kind) {
    status.className = "mt-2 alert alert-" + (kind || "info");
    status.textContent = text;
  }

  function resizeCanvas() {
    if (!pad) return;
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const data = pad.isEmpty() ? null : pad.toData();
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    if (data) pad.fromData(data);
  }

  function showOnline() {
    const up = navigator.onLine;
    offline.hidden = up;
    badge.textContent = up ? "网络正常" : "网络已断开";
    badge.className = "badge " + (up ? "text-bg-success" : "text-bg-danger");
  }
  window.addEventListener("online", showOnline);
  window.addEventListener("offline", showOnline);
  showOnline();

  function method() {
    const checked = root.querySelector("[data-method]:checked");
    return checked ? checked.value : "counter";
  }

  function reset() {
    pending = null;
    inFlight = false;
    payButton.disabled = false;
    payButton.textContent = "确认发放";
    proxyName.value = "";
    proxyId.value = "";
    if (pad) {
      pad.clear();
      pad.on();
    }
  }

  function open(button) {
    current = { id: button.dataset.id, name: button.dataset.name, amount: button.dataset.amount };
    panel.querySelector('[data-field="name"]').textContent = button.dataset.name;
    panel.querySelector('[data-field="masked"]').textContent = button.dataset.masked;
    panel.querySelector('[data-field="amount"]').textContent = button.dataset.amount;
    status.className = "mt-2";
    status.textContent = "";
    panel.hidden = false;
    if (!pad) pad = new window.SignaturePad(canvas, { minWidth: 1, maxWidth: 3, penColor: "#000" });
    reset();
    resizeCanvas();
    panel.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function close() {
    panel.hidden = true;
    current = null;
    reset();
  }

  function markPaid(id) {
    const row = root.querySelector('[data-line="' + id + '"]');
    const pick = row && row.querySelector("[data-pick]");
    if (pick) {
      const done = document.createElement("span");
      done.className = "badge text-bg-success";
      done.dataset.paidBadge = "";
      done.textContent = "已发放";
      pick.replaceWith(done);
    }
  }

  function payload() {
    const body = { method: method(), signature_png: pad.toDataURL("image/png") };
    if (body.method === "proxy") {
      body.proxy_name = proxyName.value.trim();
      body.proxy_id_number = proxyId.value.trim();
    }
    return body;
  }

  async function pay() {
    if (!current || inFlight) return; // a double tap sends nothing more
    if (!navigator.onLine) {
      showOnline();
      say("网络已断开，暂不能发放。恢复网络后再点“确认发放”。", "danger");
      return;
    }
    if (!pending) {
      if (pad.isEmpty()) {
        say("请领取人先签名。", "warning");
        return;
      }
      if (method() === "proxy" && (!proxyName.value.trim() || !proxyId.value.trim())) {
        say("代领须填写代领人姓名和身份证号。", "warning");
        return;
      }
      pending = { key: newKey(), payload: payload() };
    }
    inFlight = true;
    payButton.disabled = true;
    pad.off(); // the signature sent is the signature kept until the answer arrives
    say("正在发放…", "info");
    const url = root.dataset.payUrl.replace("/0/", "/" + current.id + "/");
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Idempotency-Key": pending.key },
        body: JSON.stringify(pending.payload),
      });
    } catch (e) {
      inFlight = false;
      payButton.disabled = false;
      payButton.textContent = "重试";
      say("网络中断，发放结果未知。请恢复网络后点“重试”：系统按同一笔请求核对，不会重复发放。", "danger");
      return;
    }
    let data = {};
    try {
      data = await response.json();
    } catch (e) {
      data = {};
    }
    inFlight = false;
    if (response.status === 201) {
      markPaid(current.id);
      pending = null;
      pad.clear();
      proxyName.value = "";
      proxyId.value = "";
      payButton.textContent = "已发放";
      say("已发放：" + data.name + " " + current.amount + " 元（" + (data.paid_at || "").slice(0, 16).replace("T", " ") + "）", "success");
      return;
    }
    if (response.status >= 500) {
      payButton.disabled = false;
      payButton.textContent = "重试";
      say("服务器暂时无法处理，发放结果未知。请点“重试”，不会重复发放。", "danger");
      return;
    }
    // A refusal (already paid, not approved, missing signature…) was not recorded: start over.
    pending = null;
    pad.on();
    payButton.disabled = data.code === "already_paid";
    if (data.code === "already_paid") markPaid(current.id);
    say(data.message || "发放失败。", "danger");
  }

  root.addEventListener("click", (event) => {
    const pick = event.target.closest("[data-pick]");
    if (pick) open(pick);
    if (event.target.closest("[data-clear]") && pad && !pending) pad.clear();
    if (event.target.closest("[data-cancel]")) close();
    if (event.target.closest("[data-pay]")) pay();
  });
  root.addEventListener("change", (event) => {
    if (event.target.matches("[data-method]")) proxyBox.hidden = method() !== "proxy";
  });
  window.addEventListener("resize", resizeCanvas);
})();
