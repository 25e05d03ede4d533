// The agent console's live behaviour. The server only says "this changed"; the affected part of the
// page is fetched again as server-rendered (escaped) HTML. User-written text never goes through here.
(() => {
  "use strict";
  const token = document.querySelector('meta[name="request-verification-token"]')?.content ?? "";
  const live = document.querySelector("[data-live]");
  const alertBox = document.getElementById("live-alert");
  const REFRESH_MS = 15000; // catch-up from the database: other app instances, dropped connections
  // Texts in the agent's language, rendered by the server on <body> (data-text-*): no translations live here.
  const texts = document.body.dataset;
  const format = (template, value) => (template ?? "{0}").replace("{0}", value);

  let pending = null;
  let fetching = false, stale = false;
  async function refresh() {
    if (!live || !live.dataset.refresh) return;
    pending = null;
    // One fetch at a time: two in flight can answer out of order, and the older page would overwrite the newer
    // one with no event left to correct it. A change heard meanwhile fetches again once this one is shown.
    if (fetching) { stale = true; return; }
    fetching = true;
    try {
      await load();
    } finally {
      fetching = false;
      if (stale) { stale = false; scheduleRefresh(); }
    }
  }
  async function load() {
    const response = await fetch(live.dataset.refresh, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
    if (response.status === 401) { window.location.assign("/account/login?returnUrl=" + encodeURIComponent(location.pathname)); return; }
    if (!response.ok) return;
    const html = await response.text();
    const typing = document.activeElement?.id === "reply-text" ? document.getElementById("reply-text") : null;
    const draft = document.getElementById("reply-text")?.value ?? "";
    live.innerHTML = html; // server-rendered by Razor: every user value in it is already HTML-encoded
    const box = document.getElementById("reply-text");
    if (box) { box.value = draft; if (typing) box.focus(); bindTyping(); }
    updateWaits();
  }
  function scheduleRefresh() {
    if (!pending) pending = setTimeout(refresh, 150); // several events in a burst: one fetch
  }

  function announce(text) {
    if (!alertBox) return;
    alertBox.textContent = text;
    alertBox.hidden = false;
    clearTimeout(announce.timer);
    announce.timer = setTimeout(() => { alertBox.hidden = true; }, 8000);
  }

  // Waiting times tick in place between refreshes.
  function updateWaits() {
    const now = Date.now();
    for (const el of document.querySelectorAll("[data-since]")) {
      const seconds = Math.max(0, Math.floor((now - Date.parse(el.dataset.since)) / 1000));
      const m = Math.floor(seconds / 60), s = seconds % 60;
      el.textContent = format(texts.textWaiting, m >= 60 ? Math.floor(m / 60) + " h " + (m % 60) + " min" : m > 0 ? m + " min " + s + " s" : s + " s");
    }
    const waiting = document.querySelector("[data-waiting]");
    const badge = document.getElementById("waiting-count");
    if (waiting && badge) badge.textContent = waiting.dataset.waiting === "0" ? "" : waiting.dataset.waiting;
  }
  setInterval(updateWaits, 1000);

  // Typing indicator: the server relays at most one per 3 s per conversation; the page sends at most one per 2 s.
  let lastTyping = 0;
  function bindTyping() {
    const box = document.querySelector("textarea[data-typing]");
    if (!box || box.dataset.bound) return;
    box.dataset.bound = "1";
    box.addEventListener("input", () => {
      const now = Date.now();
      if (now - lastTyping < 2000 || connection.state !== signalR.HubConnectionState.Connected) return;
      lastTyping = now;
      connection.invoke("Typing", Number(box.dataset.typing)).catch(() => {});
    });
  }

  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/console")
    .withAutomaticReconnect()
    .build();

  async function watch() {
    if (!live) return;
    if (live.dataset.live === "conversation") await connection.invoke("WatchConversation", Number(live.dataset.id));
    if (live.dataset.live === "ticket") await connection.invoke("WatchTicket", Number(live.dataset.id));
  }

  connection.on("board", () => { if (live?.dataset.live === "board") scheduleRefresh(); });
  connection.on("waiting", () => {
    announce(texts.textUserWaiting);
    document.title = "• " + document.title.replace(/^• /, "");
    if (live?.dataset.live === "board") scheduleRefresh();
  });
  connection.on("conversation", id => { if (live?.dataset.live === "conversation" && Number(live.dataset.id) === id) scheduleRefresh(); });
  connection.on("ticket", id => {
    if (live?.dataset.live === "ticket" && Number(live.dataset.id) === id) announce(texts.textTicketChanged);
  });
  // SLA warnings and breaches (the assignee's pages, or everyone's for an unassigned ticket), worded from the page's texts.
  connection.on("sla", alert => {
    const kind = String(alert?.kind ?? "");
    const text = texts["textSla" + kind];
    if (!text) return;
    announce(format(text, String(alert.number ?? "")).replace("{1}", new Date(alert.dueAt).toLocaleString()));
    document.title = "• " + document.title.replace(/^• /, "");
    if (live?.dataset.live === "ticket" && Number(live.dataset.id) === alert.ticketId) scheduleRefresh();
  });
  connection.onreconnected(() => watch().then(scheduleRefresh));

  // The page was rendered before this connection joined its group: a change in between (the user answering
  // while the agent's own post reloads the page) sent its event to nobody, so fetch once after joining.
  connection.start()
    .then(() => { document.body.dataset.connected = "true"; return watch(); })
    .then(scheduleRefresh)
    .catch(() => { document.body.dataset.connected = "false"; });

  setInterval(() => { if (live?.dataset.refresh && document.visibilityState === "visible") scheduleRefresh(); }, REFRESH_MS);
  window.addEventListener("focus", () => { document.title = document.title.replace(/^• /, ""); });
  bindTyping();
  updateWaits();

  // Session-authenticated API calls from scripts carry the anti-forgery token.
  window.serviceDeskFetch = (url, options = {}) =>
    fetch(url, { ...options, credentials: "same-origin", headers: { ...(options.headers ?? {}), RequestVerificationToken: token } });
})();
