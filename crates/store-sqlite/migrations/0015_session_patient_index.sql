-- A patient's sessions (the FHIR Observation search reads every session of one patient).
CREATE INDEX treatment_sessions_patient ON treatment_sessions (patient_id, created_at);
