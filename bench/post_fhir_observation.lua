-- wrk script: POST /fhir/Observation, one heart-rate Observation per request, each a new
-- reading on the patient's open session (each thread posts as its own device and walks its
-- times backwards from one day ago, 1 ms apart, so no request is a duplicate).
--
--   KC_TOKEN=… KC_PATIENT=<id> wrk -t2 -c16 -d10s -s bench/post_fhir_observation.lua http://host

local counter = 1

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

local headers = {
  ["Content-Type"] = "application/fhir+json",
  ["Authorization"] = "Bearer " .. (os.getenv("KC_TOKEN") or ""),
}
local patient = os.getenv("KC_PATIENT") or ""
assert(patient ~= "", "KC_PATIENT must name a patient with an open session")
local device, base_us
local n = 0

function init(args)
  device = "wrk-fhir-t" .. (tid or 1)
  base_us = (os.time() - 86400) * 1000000
end

local function stamp(us)
  local secs = math.floor(us / 1000000)
  return os.date("!%Y-%m-%dT%H:%M:%S", secs) .. string.format(".%06dZ", us - secs * 1000000)
end

function request()
  n = n + 1
  local body = string.format(
    '{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},'
      .. '"subject":{"reference":"Patient/%s"},"effectiveDateTime":"%s","device":{"display":"%s"},'
      .. '"valueQuantity":{"value":%d,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}',
    patient, stamp(base_us - n * 1000), device, 60 + n % 40)
  return wrk.format("POST", "/fhir/Observation", headers, body)
end

function done(summary, latency, requests)
  io.write(string.format("%d %d %.0f %.2f %.2f %d\n", summary.requests, summary.duration,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status))
end
