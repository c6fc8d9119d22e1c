// The thread reads like a chat: open it scrolled to the newest message, next to the reply
// box, and keep it current: events about this conversation re-render the thread in place.
// A new draft or a handoff change only shows a notice, so nobody's typing is overwritten.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
    for (const box of document.querySelectorAll("[data-scroll-to-end]")) {
        box.scrollTop = box.scrollHeight;
    }
    const panel = document.getElementById("bot-panel");
    if (!panel || !window.BackofficeLive) return;
    const conversationId = Number(panel.dataset.conversationId);
    const thread = panel.querySelector(".bot-thread");
    const changed = document.getElementById("live-changed");

    async function refreshThread() {
        const response = await fetch(panel.dataset.threadUrl, { credentials: "same-origin" });
        if (!response.ok || !thread) return;
        thread.innerHTML = await response.text();
        thread.scrollTop = thread.scrollHeight;
    }
    const refresh = BackofficeLive.debounce(refreshThread, 300);

    BackofficeLive.connect({
        since: panel.dataset.liveSince,
        onEvent: (event) => {
            if (event.kind === "resync") return refresh();
            if (event.conversation_id !== conversationId) return;
            if (["message", "status", "message_changed", "media"].includes(event.kind)) refresh();
            if (event.kind === "draft" || event.kind === "handoff") changed.hidden = false;
        },
        onState: (state, delay) =>
            BackofficeLive.showState(document.getElementById("live-status"), state, delay),
        onReconnect: refresh,
    });
});
