-- The requests of bench/run.py, for wrk. Arguments after "--": a mode and its data.
--   get PATH...               GET one of the paths, at random
--   graphql FILE              POST one of the GraphQL documents in FILE (one JSON body a line), at random
--   graphql-cold FILE         the same, with each body's __NONCE__ replaced by a number no request repeats: an
--                             unused variable that makes every request miss the server's answer cache
--   checkout VARIANT POINT    checkoutCreate -> pickup at POINT -> checkoutComplete (PAY_AT_PICKUP), again
--                             and again; needs one connection per thread (wrk -t N -c N)
-- Each request comes from a random client address (X-Forwarded-For, which the
-- server trusts as it would behind its proxy) over "https" (X-Forwarded-Proto).
-- A response counts as an error unless it is a 200 without GraphQL errors.
-- done() prints one line, "BENCH {json}", for bench/run.py.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

-- Per-thread state (globals, so that done() can read them with thread:get).
app_errors, flows = 0, 0
local mode, items, step, token, variant, point = nil, {}, 1, nil, nil, nil
local sent, run = 0, 0

function init(args)
  math.randomseed(os.time() + 7919 * id)
  run = math.random(0, 999999999)
  mode = args[1]
  if mode == "get" then
    for i = 2, #args do items[#items + 1] = args[i] end
  elseif mode == "graphql" or mode == "graphql-cold" then
    for line in io.lines(args[2]) do
      if #line > 0 then items[#items + 1] = line end
    end
  elseif mode == "checkout" then
    variant, point = args[2], args[3]
  else
    error("mode must be get, graphql, graphql-cold or checkout, not " .. tostring(mode))
  end
end

local function headers(json)
  local h = {
    ["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254)),
    ["X-Forwarded-Proto"] = "https",
  }
  if json then h["Content-Type"] = "application/json" end
  return h
end

local CREATE = '{"query": "mutation($input: CheckoutCreateInput!) { checkoutCreate(input: $input) '
  .. '{ checkout { token } errors { field code message } } }", "variables": {"input": {"lines": '
  .. '[{"variantId": "%s", "quantity": 1}], "email": "bench%d.%d.%d@example.com", "phone": "09%08d"}}}'
local DELIVERY = '{"query": "mutation($token: UUID!, $point: ID) { checkoutDeliveryMethodUpdate(token: $token, '
  .. 'pickupPointId: $point) { checkout { deliveryMethod } errors { field code message } } }", '
  .. '"variables": {"token": "%s", "point": "%s"}}'
local COMPLETE = '{"query": "mutation($token: UUID!) { checkoutComplete(token: $token, paymentMethod: PAY_AT_PICKUP) '
  .. '{ order { number } errors { field code message } } }", "variables": {"token": "%s"}}'

function request()
  if mode == "get" then
    return wrk.format("GET", items[math.random(#items)], headers(false))
  elseif mode == "graphql" then
    return wrk.format("POST", "/graphql/", headers(true), items[math.random(#items)])
  elseif mode == "graphql-cold" then
    sent = sent + 1
    local nonce = string.format("%d-%d-%d", id, sent, math.random(0, 999999999))
    return wrk.format("POST", "/graphql/", headers(true), (string.gsub(items[math.random(#items)], "__NONCE__", nonce)))
  elseif step == 1 then
    -- A new customer each flow, in this run too: every wrk run starts counting flows at 0, and
    -- a customer's open unpaid orders are capped (three), so the run's own number is in the address.
    return wrk.format("POST", "/graphql/", headers(true),
                      string.format(CREATE, variant, run, id, flows, math.random(0, 99999999)))
  elseif step == 2 then
    return wrk.format("POST", "/graphql/", headers(true), string.format(DELIVERY, token, point))
  end
  return wrk.format("POST", "/graphql/", headers(true), string.format(COMPLETE, token))
end

function response(status, _, body)
  local ok = status == 200 and not (mode ~= "get" and string.find(body, '"errors":%s*%[%s*{'))
  if not ok then
    app_errors = app_errors + 1
    step = 1
    return
  end
  if mode ~= "checkout" then return end
  if step == 1 then
    token = string.match(body, '"token":%s*"([%x%-]+)"')
    step = token and 2 or 1
    if not token then app_errors = app_errors + 1 end
  elseif step == 2 then
    step = 3
  else
    if string.find(body, '"number":%s*"') then flows = flows + 1 else app_errors = app_errors + 1 end
    step = 1
  end
end

function done(summary, latency, _)
  local app, completed = 0, 0
  for _, thread in ipairs(threads) do
    app = app + thread:get("app_errors")
    completed = completed + thread:get("flows")
  end
  local e = summary.errors
  -- wrk counts statuses >= 400 itself; app_errors holds every response that was not a clean 200.
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "errors": %d, "socket_errors": %d, "flows": %d, '
      .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, app, e.connect + e.read + e.write + e.timeout, completed,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
