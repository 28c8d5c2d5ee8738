"""What every HTTP request and response goes through, whatever the feature: JSON, sessions,
security headers, the request log, limits, probes, forms and envelopes."""
