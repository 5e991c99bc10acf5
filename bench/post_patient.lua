-- wrk script: durable patient registrations (each answered 201 only after its commit).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KC_TOKEN")
wrk.body = '{"given_name":"Bench","family_name":"Marker","birth_date":"1975-05-05","sex":"unknown"}'
