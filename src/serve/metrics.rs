//! Prometheus text metrics, written by hand: requests per route and status, a latency
//! histogram per route, failures (5xx), refusals (503 when full), requests in flight.
//!
//! Invariant: bounded memory: routes are the router's patterns (never the request's path),
//! and statuses are HTTP codes, so the number of series is fixed by the code.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

#[derive(Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Counters {
    requests: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

/// The server's counters.
#[derive(Default)]
pub struct Metrics {
    counters: Mutex<Counters>,
}

impl Metrics {
    /// Counts one answered request.
    pub fn record(&self, route: &str, status: u16, took: Duration) {
        let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        *c.requests.entry((route.to_owned(), status)).or_default() += 1;
        let h = c.latency.entry(route.to_owned()).or_default();
        if h.counts.is_empty() {
            h.counts = vec![0; BUCKETS.len()];
        }
        let secs = took.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// The metrics in the Prometheus text format (version 0.0.4).
    pub fn render(&self, in_flight: usize) -> String {
        let c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        out.push_str("# HELP annex_http_requests_total Requests answered, by route and status.\n# TYPE annex_http_requests_total counter\n");
        for ((route, status), n) in &c.requests {
            let _ = writeln!(
                out,
                "annex_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP annex_http_failures_total Requests answered with a 5xx (the tool's failures, timeouts and refusals when full), by route.\n# TYPE annex_http_failures_total counter\n");
        let mut failures: BTreeMap<&str, u64> = BTreeMap::new();
        let mut refused = 0;
        for ((route, status), n) in &c.requests {
            if *status >= 500 {
                *failures.entry(route).or_default() += n;
            }
            if *status == 503 {
                refused += n;
            }
        }
        for (route, n) in failures {
            let _ = writeln!(out, "annex_http_failures_total{{route=\"{route}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP annex_http_unavailable_total Requests answered 503 (full, or timed out).\n# TYPE annex_http_unavailable_total counter\nannex_http_unavailable_total {refused}");
        out.push_str("# HELP annex_http_request_duration_seconds Time to answer a request, by route.\n# TYPE annex_http_request_duration_seconds histogram\n");
        for (route, h) in &c.latency {
            for (bound, n) in BUCKETS.iter().zip(&h.counts) {
                let _ = writeln!(
                    out,
                    "annex_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "annex_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\nannex_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\nannex_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count, h.sum, h.count
            );
        }
        let _ = writeln!(out, "# HELP annex_http_in_flight Requests admitted to render or check now (working or waiting).\n# TYPE annex_http_in_flight gauge\nannex_http_in_flight {in_flight}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_failures_counted() {
        let m = Metrics::default();
        m.record("/v1/render", 200, Duration::from_millis(30));
        m.record("/v1/render", 200, Duration::from_millis(300));
        m.record("/v1/render", 503, Duration::from_millis(1));
        let text = m.render(0);
        assert!(text.contains("annex_http_requests_total{route=\"/v1/render\",status=\"200\"} 2"));
        assert!(text.contains(
            "annex_http_request_duration_seconds_bucket{route=\"/v1/render\",le=\"0.05\"} 2"
        ));
        assert!(text.contains(
            "annex_http_request_duration_seconds_bucket{route=\"/v1/render\",le=\"+Inf\"} 3"
        ));
        assert!(text.contains("annex_http_failures_total{route=\"/v1/render\"} 1"));
        assert!(text.contains("annex_http_unavailable_total 1"));
    }
}
