-- wrk script: open one patient record (each read writes a durable audit event first).
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KC_TOKEN")
