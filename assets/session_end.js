/* Two answers to a page's callbacks that the page would otherwise swallow silently (Dash's
   renderer calls its callbacks through window.fetch, so this wraps fetch and looks only at
   callback answers):
   - 401: the session ended while the page was open (signed out in another tab, idle or
     lifetime timeout, password changed or user disabled by an administrator). Send the person
     to sign in, and back to this page afterwards.
   - 503 with `database_away`: tower cannot reach its database, so it cannot check the session.
     The person is still signed in: keep the figures on screen, say since when they have not
     been updated, and take the banner away at the next answer that works. */
(function () {
    "use strict";
    const CALLBACK_PATH = "/_dash-update-component";
    const BANNER_ID = "tower-database-away";
    const realFetch = window.fetch.bind(window);
    let leaving = false;
    let lastGood = new Date();

    function showAway(message) {
        let banner = document.getElementById(BANNER_ID);
        if (!banner) {
            banner = document.createElement("div");
            banner.id = BANNER_ID;
            banner.setAttribute("role", "alert");
            banner.className = "database-away-banner";
            document.body.appendChild(banner);
        }
        const since = lastGood.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
        banner.textContent = message + " — the figures on this page are from " + since + ".";
    }

    function hideAway() {
        const banner = document.getElementById(BANNER_ID);
        if (banner) {
            banner.remove();
        }
    }

    window.fetch = function (input, init) {
        return realFetch(input, init).then(function (response) {
            const url = typeof input === "string" ? input : (input && input.url) || "";
            if (url.indexOf(CALLBACK_PATH) === -1) {
                return response;
            }
            if (response.status === 401 && !leaving) {
                leaving = true;
                const back = window.location.pathname + window.location.search;
                window.location.assign("/login?" + new URLSearchParams({error: "ended", next: back}));
            } else if (response.status === 503) {
                response.clone().json().then(function (body) {
                    if (body && body.database_away) {
                        showAway(body.error);
                    }
                }).catch(function () { /* not ours: leave it to Dash */ });
            } else if (response.ok) {
                lastGood = new Date();
                hideAway();
            }
            return response;
        });
    };
})();
