-- POST /api/v1/articles with the token wrk sends (-H Authorization), a new title each time.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"article": {"title": "Bench %s %d %d", "description": "Written by wrk", '
      .. '"body": "## Benchmark\\n\\nA body.", "tagList": ["bench", "wrk"]}}',
    os.getenv("BENCH_RUN") or "run", id or 0, counter
  )
  return wrk.format(nil, nil, nil, body)
end
