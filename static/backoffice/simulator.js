// The simulator page: the staff member plays a WhatsApp user. Each send asks the server for
// a signed, Meta-shaped body and posts it to the real webhook; the chat shows the thread as
// the user's phone would, kept current by live events (or a poll while they are down).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("simulator");
    if (!root) return;
    const config = JSON.parse(document.getElementById("simulator-config").textContent);
    const chat = document.getElementById("sim-chat");
    const form = document.getElementById("sim-composer");
    const phone = document.getElementById("sim-phone");
    const name = document.getElementById("sim-name");
    const kind = document.getElementById("sim-kind");
    const text = document.getElementById("sim-text");
    const note = document.getElementById("sim-note");
    const profileBox = document.getElementById("sim-profile");
    const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
    const TICKS = { queued: "🕓", sent: "✓", delivered: "✓✓", read: "✓✓", played: "✓✓", failed: "!" };
    const POLL_MS = 2000;

    phone.value = config.defaultPhone;
    name.value = config.defaultName;
    let conversationId = null;
    let shown = "";
    let liveState = "connecting";

    function say(message, isError = false) {
        note.textContent = message;
        note.dataset.kind = isError ? "error" : "info";
    }

    async function signedBody(fields) {
        const response = await fetch(config.signUrl, {
            method: "POST",
            credentials: "same-origin",
            headers: { "X-CSRFToken": csrf },
            body: new URLSearchParams({ ...fields, phone: phone.value.trim(), name: name.value.trim() }),
        });
        const data = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error(data.error || `The simulator answered ${response.status}.`);
        return data;
    }

    // The webhook sees what Meta's servers would send: the body and its signature, no session.
    async function postToWebhook(signed) {
        const response = await fetch(config.webhookUrl, {
            method: "POST",
            credentials: "omit",
            headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signed.signature },
            body: signed.body,
        });
        if (!response.ok) {
            const data = await response.json().catch(() => ({}));
            throw new Error(`The webhook answered ${response.status}: ${data.error || "refused"}`);
        }
    }

    async function deliver(fields, done) {
        try {
            await postToWebhook(await signedBody(fields));
            say(done);
            refreshSoon();
            return true;
        } catch (error) {
            say(error.message, true);
            return false;
        }
    }

    function bubble(message) {
        const item = document.createElement("li");
        item.className = `sim-bubble sim-${message.direction === "out" ? "business" : "user"}`;
        item.dataset.messageId = message.id;
        if (message.status) item.dataset.status = message.status;
        const body = Object.assign(document.createElement("div"), { className: "sim-text", textContent: message.text });
        body.dir = "auto";
        const meta = Object.assign(document.createElement("div"), { className: "sim-meta" });
        meta.append(Object.assign(document.createElement("time"), { textContent: message.time }));
        if (message.direction === "out") {
            const tick = Object.assign(document.createElement("span"), {
                className: `sim-tick sim-tick-${message.status || "none"}`,
                textContent: TICKS[message.status] || "",
                title: message.status + (message.error ? `: ${message.error}` : ""),
            });
            tick.setAttribute("aria-label", message.status || "");
            meta.append(" ", tick);
        }
        item.append(body, meta);
        if (message.error && message.status === "failed") {
            item.append(Object.assign(document.createElement("div"), {
                className: "sim-error", textContent: `Not delivered: ${message.error}`,
            }));
        }
        if (message.reaction) {
            item.append(Object.assign(document.createElement("span"), {
                className: "sim-reaction", textContent: message.reaction,
            }));
        }
        return item;
    }

    function renderProfile(profile) {
        profileBox.replaceChildren();
        if (!profile) {
            profileBox.append(Object.assign(document.createElement("p"), {
                className: "help", textContent: "No conversation with this phone yet.",
            }));
            return;
        }
        const list = document.createElement("dl");
        for (const [label, value] of [["Name", profile.name], ["Last name", profile.last_name],
            ["Company", profile.company], ["Email", profile.email]]) {
            list.append(
                Object.assign(document.createElement("dt"), { textContent: label }),
                Object.assign(document.createElement("dd"), { textContent: value || "—" }),
            );
        }
        const state = Object.assign(document.createElement("p"), {
            id: "sim-profile-state",
            className: profile.complete ? "sim-complete" : "sim-incomplete",
            textContent: profile.complete ? "Profile complete" : `Missing: ${profile.missing}`,
        });
        const link = document.createElement("p");
        link.append(Object.assign(document.createElement("a"), {
            href: profile.url, textContent: "Open the profile page",
        }));
        profileBox.append(list, state, link);
    }

    async function refresh() {
        const number = phone.value.trim();
        const response = await fetch(`${config.threadUrl}?phone=${encodeURIComponent(number)}`, {
            credentials: "same-origin",
        });
        if (!response.ok) return;
        const raw = await response.text();
        if (raw === shown) return;
        shown = raw;
        const thread = JSON.parse(raw);
        conversationId = thread.conversation_id;
        document.getElementById("sim-chat-title").textContent = `as ${number}`;
        chat.replaceChildren(...thread.messages.map(bubble));
        if (!thread.messages.length) {
            chat.append(Object.assign(document.createElement("li"), {
                className: "sim-empty", textContent: "No messages yet: say hi to the bot.",
            }));
        }
        chat.scrollTop = chat.scrollHeight;
        renderProfile(thread.profile);
    }
    const refreshSoon = BackofficeLive.debounce(() => refresh().catch(() => {}), 150);

    form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const button = document.getElementById("sim-send");
        button.disabled = true;
        const sent = await deliver({ kind: kind.value, text: text.value }, "Sent to the webhook.");
        button.disabled = false;
        if (sent) text.value = "";
        text.focus();
    });
    for (const button of root.querySelectorAll("[data-status]")) {
        button.addEventListener("click", () => deliver(
            { kind: button.dataset.status },
            `Meta's "${button.dataset.status}" report sent for the business's last message.`,
        ));
    }
    phone.addEventListener("input", () => {
        // A phone picked from the list writes under the name that conversation has.
        const known = [...document.getElementById("sim-phones").options]
            .find((option) => option.value === phone.value.trim());
        if (known && known.textContent) name.value = known.textContent;
        shown = "";
        refreshSoon();
    });

    BackofficeLive.connect({
        since: config.lastEventId,
        path: config.socketPath,
        onState: (state) => { liveState = state; },
        onEvent: (event) => {
            if (conversationId === null || event.conversation_id === conversationId) refreshSoon();
        },
        onReconnect: refreshSoon,
    });
    // Without the websocket (refused, reconnecting) the chat still follows, a little later.
    window.setInterval(() => { if (liveState !== "live") refreshSoon(); }, POLL_MS);
    refreshSoon();
});
