// A session that ends while the dashboard is open (logout elsewhere, password changed,
// expiry) makes Dash's requests answer 401: go to the login page, then back here.
(function () {
    const originalFetch = window.fetch;
    window.fetch = function (...args) {
        return originalFetch.apply(this, args).then(function (response) {
            if (response.status === 401 && response.url.indexOf("/_dash-") !== -1) {
                const here = window.location.pathname + window.location.search;
                window.location.assign("/login?next=" + encodeURIComponent(here));
            }
            return response;
        });
    };
})();
