/* Doorstep web chat page.
 *
 * Talks to GET /ws (WebSocket; protocol in bot/channels/webchat/protocol.py) and falls back to
 * POST /api/chat when WebSockets keep failing. Every piece of text from the server or the
 * shopper is put on the page with textContent / DOM nodes, never as HTML.
 */
(function () {
  "use strict";

  const GREETING =
    "Hi! I can help with your order: where it is, returns and refunds, changes, " +
    "or setting up your products. What can I do for you?";
  const SUGGESTIONS = ["Where is my order?", "I want to return something", "Help me set up my product", "Talk to a person"];
  const MAX_TEXT = 2000;
  const HISTORY_LIMIT = 100;
  const KEYS = {
    visitor: "doorstep.webchat.visitor",
    history: "doorstep.webchat.history",
    token: "doorstep.webchat.linkToken",
    seq: "doorstep.webchat.seq", // "<visitor id> <number of the last stored message shown>"
  };
  const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
  const FALLBACK_AFTER_FAILURES = 3;
  const TYPING_TIMEOUT_MS = 30000;
  const VISITOR_ID = /^[A-Za-z0-9_-]{16,64}$/;
  const URL_IN_TEXT = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

  const els = {
    messages: document.getElementById("messages"),
    status: document.getElementById("status"),
    typing: document.getElementById("typing"),
    form: document.getElementById("composer"),
    input: document.getElementById("input"),
  };

  const state = {
    ws: null,
    ready: false,
    mode: "connecting", // connecting | open | reconnecting | fallback
    failures: 0, // connection attempts in a row that never became ready
    reconnectTimer: null,
    typingTimer: null,
    outbox: [], // frames waiting for a connection
    inflight: new Map(), // id -> frame sent on the socket, waiting for "done"
    posting: false,
    visitorId: null,
    lastSeq: 0, // the last stored (pushed) message shown; each number is shown once
    linkToken: null,
    history: [],
  };

  // ------------------------------------------------------------ storage (may be unavailable)
  function load(storage, key) {
    try {
      return window[storage].getItem(key);
    } catch (e) {
      return null;
    }
  }

  function save(storage, key, value) {
    try {
      if (value === null) window[storage].removeItem(key);
      else window[storage].setItem(key, value);
    } catch (e) {
      /* private mode or full storage: the chat still works for this page */
    }
  }

  function randomId(bytes) {
    const raw = new Uint8Array(bytes);
    window.crypto.getRandomValues(raw);
    let binary = "";
    raw.forEach(function (b) {
      binary += String.fromCharCode(b);
    });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function visitorId() {
    const stored = load("localStorage", KEYS.visitor);
    if (stored && VISITOR_ID.test(stored)) return stored;
    const fresh = randomId(16);
    save("localStorage", KEYS.visitor, fresh);
    return fresh;
  }

  /** The number of the last stored message this visitor's pages have shown (0 when unknown). */
  function loadSeq(visitor) {
    const saved = String(load("localStorage", KEYS.seq) || "").split(" ");
    const seq = Number(saved[1]);
    return saved[0] === visitor && Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
  }

  function saveSeq() {
    save("localStorage", KEYS.seq, state.visitorId + " " + state.lastSeq);
  }

  /** Take a link token from ?t=..., keep it for the first message, and drop it from the URL. */
  function takeLinkToken() {
    const params = new URLSearchParams(window.location.search);
    const token = params.get("t");
    if (token) {
      save("sessionStorage", KEYS.token, token);
      params.delete("t");
      const query = params.toString();
      window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
    }
    return load("sessionStorage", KEYS.token);
  }

  function newMessageId() {
    return "m" + Date.now().toString(36) + "-" + randomId(6);
  }

  // ------------------------------------------------------------ rendering (DOM nodes only)
  function safeUrl(url) {
    try {
      const parsed = new URL(String(url), window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function externalLink(url, text, className) {
    const a = document.createElement("a");
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.textContent = text;
    if (className) a.className = className;
    return a;
  }

  /** Text with bare http(s) URLs turned into links; everything else stays plain text. */
  function richText(container, text) {
    let last = 0;
    String(text).replace(URL_IN_TEXT, function (match, offset) {
      const url = safeUrl(match);
      if (!url) return match;
      container.appendChild(document.createTextNode(text.slice(last, offset)));
      container.appendChild(externalLink(url, match, ""));
      last = offset + match.length;
      return match;
    });
    container.appendChild(document.createTextNode(String(text).slice(last)));
  }

  function renderEntry(entry, active) {
    const li = document.createElement("li");
    li.className = "msg msg-" + entry.role;
    const bubble = document.createElement("p");
    bubble.className = "bubble";
    if (entry.role === "bot") {
      const who = document.createElement("span");
      who.className = "visually-hidden";
      who.textContent = "Assistant: ";
      bubble.appendChild(who);
      richText(bubble, entry.text || "");
    } else {
      if (entry.role === "user") {
        const who = document.createElement("span");
        who.className = "visually-hidden";
        who.textContent = "You: ";
        bubble.appendChild(who);
      }
      bubble.appendChild(document.createTextNode(entry.text || ""));
    }
    li.appendChild(bubble);

    const links = (entry.links || [])
      .map(function (link) {
        const url = safeUrl(link && link.url);
        return url ? externalLink(url, String(link.title || link.url), "link") : null;
      })
      .filter(Boolean);
    if (links.length) {
      const box = document.createElement("div");
      box.className = "links";
      links.forEach(function (a) {
        box.appendChild(a);
      });
      li.appendChild(box);
    }

    const buttons = entry.buttons || [];
    if (buttons.length) {
      const group = document.createElement("div");
      group.className = "quick-replies";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Suggested replies");
      buttons.forEach(function (spec) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = String(spec.title || "");
        button.disabled = !active;
        button.addEventListener("click", function () {
          pressButton(spec);
        });
        group.appendChild(button);
      });
      li.appendChild(group);
    }
    els.messages.appendChild(li);
    els.messages.scrollTop = els.messages.scrollHeight;
    return li;
  }

  function remember(entry) {
    state.history.push(entry);
    if (state.history.length > HISTORY_LIMIT) state.history.splice(0, state.history.length - HISTORY_LIMIT);
    save("sessionStorage", KEYS.history, JSON.stringify(state.history));
  }

  function show(entry) {
    if (entry.role === "user") retireQuickReplies();
    remember(entry);
    return renderEntry(entry, true);
  }

  function retireQuickReplies() {
    els.messages.querySelectorAll(".quick-replies button").forEach(function (b) {
      b.disabled = true;
    });
  }

  function botReply(reply) {
    show({
      role: "bot",
      text: String((reply && reply.text) || ""),
      buttons: ((reply && reply.buttons) || []).map(function (b) {
        return { title: String(b.title || ""), payload: String(b.payload || "") };
      }),
      links: ((reply && reply.links) || []).map(function (l) {
        return { title: String(l.title || ""), url: String(l.url || "") };
      }),
    });
  }

  function notice(text) {
    show({ role: "notice", text: text });
  }

  function restoreHistory() {
    let saved = [];
    try {
      saved = JSON.parse(load("sessionStorage", KEYS.history) || "[]");
    } catch (e) {
      saved = [];
    }
    if (!Array.isArray(saved)) saved = [];
    state.history = saved.slice(-HISTORY_LIMIT);
    let lastUser = -1;
    state.history.forEach(function (entry, index) {
      if (entry && entry.role === "user") lastUser = index;
    });
    state.history.forEach(function (entry, index) {
      if (entry && typeof entry === "object") renderEntry(entry, index > lastUser);
    });
    if (!state.history.length) {
      show({
        role: "bot",
        text: GREETING,
        buttons: SUGGESTIONS.map(function (title) {
          return { title: title, text: title };
        }),
        links: [],
      });
    }
  }

  // ------------------------------------------------------------ typing and connection status
  function setTyping(on) {
    clearTimeout(state.typingTimer);
    els.typing.hidden = !on;
    if (on) {
      els.messages.scrollTop = els.messages.scrollHeight;
      state.typingTimer = setTimeout(function () {
        els.typing.hidden = true;
      }, TYPING_TIMEOUT_MS);
    }
  }

  function waiting() {
    return state.inflight.size > 0 || state.outbox.length > 0;
  }

  function setMode(mode) {
    state.mode = mode;
    const text = {
      connecting: "Connecting…",
      reconnecting: "Reconnecting…",
      fallback: "Live connection unavailable: your messages are still sent, replies may be slower.",
      open: "",
    }[mode];
    els.status.textContent = text;
    els.status.hidden = !text;
    document.body.dataset.connection = mode;
  }

  // ------------------------------------------------------------ sending
  function submitText(text) {
    const trimmed = text.trim();
    if (!trimmed) return;
    show({ role: "user", text: trimmed });
    send({ type: "message", id: newMessageId(), text: trimmed.slice(0, MAX_TEXT) });
  }

  function pressButton(spec) {
    if (spec.payload) {
      show({ role: "user", text: spec.title });
      send({ type: "button", id: newMessageId(), payload: spec.payload, title: spec.title });
    } else {
      submitText(spec.text || spec.title);
    }
    els.input.focus();
  }

  function send(frame) {
    if (state.linkToken) frame.link_token = state.linkToken;
    setTyping(true);
    state.outbox.push(frame);
    flush();
  }

  function flush() {
    if (state.ready && state.ws) {
      while (state.outbox.length) {
        const frame = state.outbox.shift();
        state.inflight.set(frame.id, frame);
        try {
          state.ws.send(JSON.stringify(frame));
        } catch (e) {
          break; // the close handler puts it back in the outbox
        }
      }
    } else if (state.mode === "fallback") {
      postNext();
    }
  }

  function finished(frame) {
    if (frame && frame.link_token && frame.link_token === state.linkToken) {
      state.linkToken = null; // used once; the identity stays linked on the server
      save("sessionStorage", KEYS.token, null);
    }
    if (!waiting()) setTyping(false);
  }

  // ------------------------------------------------------------ REST fallback
  function postNext() {
    if (state.posting || !state.outbox.length) return;
    const frame = state.outbox[0];
    const body = { user_id: "web:" + state.visitorId, message_id: state.visitorId + "/" + frame.id };
    if (frame.type === "button") body.payload = frame.payload;
    else body.text = frame.text;
    if (frame.link_token) body.link_token = frame.link_token;
    state.posting = true;
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            return { ok: response.ok, status: response.status, data: data };
          });
      })
      .then(function (result) {
        state.posting = false;
        if (state.outbox[0] === frame) state.outbox.shift();
        if (result.ok) {
          (result.data.replies || []).forEach(botReply);
        } else if (result.status === 429) {
          notice("You are sending messages very quickly. Please wait a moment and try again.");
        } else {
          notice("Sorry, that message could not be sent. Please try again.");
        }
        finished(frame);
        flush();
      })
      .catch(function () {
        state.posting = false; // network down: keep the frame and retry with the next connection attempt
      });
  }

  // ------------------------------------------------------------ WebSocket
  function socketUrl() {
    return (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + "/ws";
  }

  function connect() {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    if (state.ws) return;
    if (!("WebSocket" in window)) {
      setMode("fallback");
      flush();
      return;
    }
    let ws;
    try {
      ws = new WebSocket(socketUrl());
    } catch (e) {
      connectionLost();
      return;
    }
    state.ws = ws;
    ws.addEventListener("open", function () {
      ws.send(JSON.stringify({ type: "hello", visitor_id: state.visitorId, last_seq: state.lastSeq }));
    });
    ws.addEventListener("message", function (event) {
      if (state.ws === ws) onFrame(event.data);
    });
    ws.addEventListener("close", function () {
      if (state.ws !== ws) return;
      state.ws = null;
      state.ready = false;
      connectionLost();
    });
  }

  function connectionLost() {
    // messages sent but not answered go out again; the server drops duplicates by id
    const unanswered = Array.from(state.inflight.values());
    state.inflight.clear();
    state.outbox = unanswered.concat(state.outbox);
    state.failures += 1;
    if (state.failures >= FALLBACK_AFTER_FAILURES) {
      if (state.mode !== "fallback") setMode("fallback");
      flush();
    } else {
      setMode("reconnecting");
    }
    const base = BACKOFF_MS[Math.min(state.failures - 1, BACKOFF_MS.length - 1)];
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    state.reconnectTimer = setTimeout(connect, delay);
  }

  function acknowledge(seq) {
    if (!state.ws) return;
    try {
      state.ws.send(JSON.stringify({ type: "ack", seq: seq }));
    } catch (e) {
      /* closing: the next hello says what was shown */
    }
  }

  function onFrame(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch (e) {
      return;
    }
    if (!frame || typeof frame !== "object") return;
    switch (frame.type) {
      case "ready":
        if (typeof frame.visitor_id === "string" && VISITOR_ID.test(frame.visitor_id)) {
          state.visitorId = frame.visitor_id;
          save("localStorage", KEYS.visitor, frame.visitor_id);
        }
        if (Number.isSafeInteger(frame.seq) && frame.seq >= 0) {
          state.lastSeq = frame.seq; // lower than ours only when the server's mailbox was reset
          saveSeq();
        }
        state.ready = true;
        state.failures = 0;
        setMode("open");
        flush();
        if (!waiting()) setTyping(false);
        break;
      case "typing":
        setTyping(true);
        break;
      case "reply":
        if (Number.isSafeInteger(frame.seq)) {
          // a stored message: shown once, then acknowledged
          if (frame.seq > state.lastSeq) {
            botReply(frame.reply);
            state.lastSeq = frame.seq;
            saveSeq();
          }
          acknowledge(frame.seq);
        } else {
          botReply(frame.reply);
        }
        if (waiting()) setTyping(true);
        break;
      case "done": {
        const sent = state.inflight.get(frame.id);
        state.inflight.delete(frame.id);
        finished(sent);
        break;
      }
      case "error": {
        const sent = frame.id ? state.inflight.get(frame.id) : null;
        if (frame.id) state.inflight.delete(frame.id);
        notice(String(frame.reason || "Something went wrong."));
        finished(sent);
        break;
      }
      default:
        break;
    }
  }

  // ------------------------------------------------------------ start
  function start() {
    state.visitorId = visitorId();
    state.lastSeq = loadSeq(state.visitorId);
    state.linkToken = takeLinkToken();
    restoreHistory();
    els.form.addEventListener("submit", function (event) {
      event.preventDefault();
      const text = els.input.value;
      els.input.value = "";
      submitText(text);
      els.input.focus();
    });
    window.addEventListener("online", function () {
      if (!state.ws) connect();
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && !state.ws) connect();
    });
    setMode("connecting");
    connect();
  }

  start();
})();
