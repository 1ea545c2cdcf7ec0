/* When the session ends while a page is open (signed out in another tab, idle or lifetime
   timeout, password changed or user disabled by an administrator), the server answers the
   page's callbacks with 401 and the page would silently stop updating. Send the person to
   sign in instead, and back to this page afterwards. Dash's renderer calls its callbacks
   through window.fetch, so this wraps fetch and looks only at callback answers. */
(function () {
    "use strict";
    const CALLBACK_PATH = "/_dash-update-component";
    const realFetch = window.fetch.bind(window);
    let leaving = false;
    window.fetch = function (input, init) {
        return realFetch(input, init).then(function (response) {
            const url = typeof input === "string" ? input : (input && input.url) || "";
            if (response.status === 401 && !leaving && url.indexOf(CALLBACK_PATH) !== -1) {
                leaving = true;
                const back = window.location.pathname + window.location.search;
                window.location.assign("/login?" + new URLSearchParams({error: "ended", next: back}));
            }
            return response;
        });
    };
})();
