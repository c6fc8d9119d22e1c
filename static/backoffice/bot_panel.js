// The thread reads like a chat: open it scrolled to the newest message, next to the reply
// box, and keep it current: events about this conversation re-render the thread in place.
// A new draft or a handoff re-reads the panel from the server (escaped HTML, parsed inertly)
// and swaps in who answers, the draft and the log, never what the agent is typing: a new
// draft that arrives while they edit the old one is shown beside it, for them to take.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
    for (const box of document.querySelectorAll("[data-scroll-to-end]")) {
        box.scrollTop = box.scrollHeight;
    }
    const panel = document.getElementById("bot-panel");
    if (!panel || !window.BackofficeLive) return;
    const conversationId = Number(panel.dataset.conversationId);
    const thread = panel.querySelector(".bot-thread");

    async function refreshThread() {
        const response = await fetch(panel.dataset.threadUrl, { credentials: "same-origin" });
        if (!response.ok || !thread) return;
        thread.innerHTML = await response.text();
        thread.scrollTop = thread.scrollHeight;
    }
    const refresh = BackofficeLive.debounce(refreshThread, 300);

    function editing() {
        const box = document.getElementById("bot-draft-text");
        return box !== null && box.value !== box.defaultValue;
    }

    function swap(id, fresh) {
        const current = document.getElementById(id);
        if (current && fresh) current.replaceWith(document.importNode(fresh, true));
    }

    function offerBeside(slot, freshSlot) {
        // The agent's words stay; the new draft (or the news that it is gone) goes next to them.
        document.getElementById("bot-draft-new")?.remove();
        const note = document.createElement("div");
        note.id = "bot-draft-new";
        note.className = "bot-draft-new";
        const draft = freshSlot.querySelector("#bot-draft-text, .bot-draft-text");
        const heading = document.createElement("p");
        heading.className = "help";
        heading.textContent = draft
            ? "The bot wrote a new draft meanwhile; your edits above are kept:"
            : "Someone approved or discarded this draft meanwhile; your edits are kept, but can no longer be sent as this draft.";
        note.append(heading);
        if (draft) {
            const text = document.createElement("div");
            text.className = "bot-draft-text";
            text.dir = "auto";
            text.textContent = draft.value ?? draft.textContent;
            note.append(text);
        }
        const take = document.createElement("button");
        take.type = "button";
        take.className = "button";
        take.textContent = draft ? "Use the new draft" : "Close";
        take.addEventListener("click", () => swap("bot-draft-slot", freshSlot));
        note.append(take);
        slot.append(note);
    }

    async function refreshPanel() {
        const response = await fetch(window.location.href, { credentials: "same-origin" });
        if (!response.ok) return;
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        swap("bot-status", fresh.getElementById("bot-status"));
        swap("bot-log", fresh.getElementById("bot-log"));
        const slot = document.getElementById("bot-draft-slot");
        const freshSlot = fresh.getElementById("bot-draft-slot");
        if (!slot || !freshSlot) return;
        if (editing()) offerBeside(slot, freshSlot);
        else swap("bot-draft-slot", freshSlot);
    }
    const refreshDraft = BackofficeLive.debounce(refreshPanel, 300);

    BackofficeLive.connect({
        since: panel.dataset.liveSince,
        onEvent: (event) => {
            if (event.kind === "resync") return refresh();
            if (event.conversation_id !== conversationId) return;
            if (["message", "status", "message_changed", "media"].includes(event.kind)) refresh();
            if (["draft", "handoff", "assignment"].includes(event.kind)) refreshDraft();
        },
        onState: (state, delay) =>
            BackofficeLive.showState(document.getElementById("live-status"), state, delay),
        onReconnect: () => { refresh(); refreshDraft(); },
    });
});
