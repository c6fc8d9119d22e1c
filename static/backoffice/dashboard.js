// The dashboard applies live events in place: the conversation rows, counters and the
// incomplete-profile groups re-read themselves from the server (with the page's own filters
// and page number), so a row always says what the server would render: escaped, filtered.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("dashboard");
    if (!root) return;
    const status = document.getElementById("live-status");

    async function refresh(part) {
        const query = new URLSearchParams(window.location.search);
        query.set("part", part);
        const response = await fetch(`${root.dataset.partsUrl}?${query}`, {
            credentials: "same-origin",
            headers: { "X-Requested-With": "fetch" },
        });
        if (response.ok) {
            document.querySelector(`[data-part="${part}"]`).innerHTML = await response.text();
        }
    }
    const refreshRows = BackofficeLive.debounce(() => refresh("conversations"), 300);
    const refreshCounters = BackofficeLive.debounce(() => refresh("counters"), 500);
    const refreshIncomplete = BackofficeLive.debounce(() => refresh("incomplete"), 1000);
    const refreshAll = () => ["counters", "incomplete", "conversations"].forEach(refresh);

    function apply(event) {
        switch (event.kind) {
            case "message":
                refreshRows();
                refreshCounters();
                break;
            case "message_changed":
            case "handoff":
            case "assignment":
                refreshRows();
                break;
            case "profile":
                refreshRows();
                refreshIncomplete();
                refreshCounters();
                break;
            case "draft":
                refreshRows();
                refreshCounters();
                break;
            case "resync":
                refreshAll();
                break;
        }
    }

    BackofficeLive.connect({
        since: root.dataset.lastEventId,
        path: root.dataset.socketPath,
        onEvent: apply,
        onState: (state, delay) => BackofficeLive.showState(status, state, delay),
        onReconnect: refreshAll,
    });
});
