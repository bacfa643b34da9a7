-- SPDX-License-Identifier: MIT
-- wrk script for make bench: POSTs Confluent v2 produce requests shaped like
-- the Pinterest emulators' (one pin row of ~315 bytes per record, the body
-- {"records":[{"value":{...}}]}, Content-Type application/vnd.kafka.json.v2+json).
--
--   wrk -t2 -c64 -d10s --latency -s bench/post.lua http://127.0.0.1:8082
--
-- Environment:
--   KREST_RECORDS       records per request (default 1; make bench uses 1, 100)
--   KREST_TOPIC         topic in the path /topics/<topic> (default bench.pin)
--   KREST_MAX_REQUESTS  each thread stops after this many responses (default 0:
--                       run for wrk's -d); wrk itself still waits for -d, so
--   KREST_STOP_FILE     gets one line per stopped thread: the caller sends
--                       wrk SIGINT once every thread has written its line
--   KREST_REPORT        when set, done() also prints one line
--                       "KRBENCH {json}" with exact counts and percentiles (us)

local nrec = tonumber(os.getenv("KREST_RECORDS") or "1") or 1
local topic = os.getenv("KREST_TOPIC") or "bench.pin"
local max_requests = tonumber(os.getenv("KREST_MAX_REQUESTS") or "0") or 0

-- One pin row: the twelve pinterest_data columns in json.dumps order, as in
-- bench/direct_producer.c (same size; the ids differ).
local function pin_row(i)
	local function hex(n)
		local s = {}
		for k = 1, n do
			s[k] = string.format("%x", math.random(0, 15))
		end
		return table.concat(s)
	end
	return string.format('{"index":%d,"unique_id":"%s-%s-4%s-8%s-%s",' ..
		'"title":"Kitchen ideas","description":"Small spaces",' ..
		'"poster_name":"Decor","follower_count":"51k",' ..
		'"tag_list":"DIY,Home","is_image_or_video":"image",' ..
		'"image_src":"https://i.pinimg.com/%s.jpg","downloaded":1,' ..
		'"save_location":"/data/diy","category":"diy"}',
		1000 + i, hex(8), hex(4), hex(3), hex(3), hex(12), hex(8))
end

local function body(n)
	local recs = {}
	for i = 1, n do
		recs[i] = '{"value":' .. pin_row(i) .. '}'
	end
	return '{"records":[' .. table.concat(recs, ",") .. ']}'
end

math.randomseed(7528)
wrk.method = "POST"
wrk.path = "/topics/" .. topic
wrk.headers["Content-Type"] = "application/vnd.kafka.json.v2+json"
wrk.headers["Accept"] = "*/*"
wrk.body = body(nrec)

local stop_file = os.getenv("KREST_STOP_FILE")
local seen = 0

function init(args)
	if max_requests <= 0 then
		response = nil -- wrk then skips parsing replies in Lua
	end
end

function response(status, headers, body)
	seen = seen + 1
	if seen == max_requests then
		if stop_file ~= nil then
			local f = io.open(stop_file, "a")
			f:write("stopped\n")
			f:close()
		end
		wrk.thread:stop()
	end
end

function done(summary, latency, requests)
	if os.getenv("KREST_REPORT") == nil then
		return
	end
	local e = summary.errors
	io.write(string.format('KRBENCH {"requests":%d,"duration_us":%d,' ..
		'"bytes":%d,"body_bytes":%d,"records_per_request":%d,' ..
		'"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,' ..
		'"timeout":%d},"latency_us":{"mean":%.1f,"max":%d,' ..
		'"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
		summary.requests, summary.duration, summary.bytes, #wrk.body,
		nrec, e.connect, e.read, e.write, e.status, e.timeout,
		latency.mean, latency.max, latency:percentile(50),
		latency:percentile(90), latency:percentile(99),
		latency:percentile(99.9)))
end
