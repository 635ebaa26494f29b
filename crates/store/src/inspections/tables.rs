//! The tables of visits, findings, rectification steps, inspectors' schools and 督办件.

/// The tables (migration `0013_visits`).
pub const SCHEMA: &str = r#"
CREATE TABLE inspections (
    id {id},
    kind TEXT NOT NULL,
    visited_on TEXT NOT NULL,
    unit_id {int} NOT NULL REFERENCES units(id),
    summary TEXT NOT NULL,
    created_by {int} REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX inspections_visited ON inspections(visited_on);
CREATE INDEX inspections_unit ON inspections(unit_id);

CREATE TABLE inspection_inspectors (
    inspection_id {int} NOT NULL REFERENCES inspections(id),
    user_id {int} NOT NULL REFERENCES users(id),
    PRIMARY KEY (inspection_id, user_id)
);
CREATE INDEX inspection_inspectors_user ON inspection_inspectors(user_id);

CREATE TABLE findings (
    id {id},
    inspection_id {int} NOT NULL REFERENCES inspections(id),
    position {int} NOT NULL,
    text TEXT NOT NULL,
    task_id {int} REFERENCES tasks(id),
    severity TEXT NOT NULL,
    unit_id {int} NOT NULL REFERENCES units(id),
    deadline TEXT NOT NULL,
    requirement TEXT NOT NULL,
    stage TEXT NOT NULL,
    version {int} NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX findings_inspection ON findings(inspection_id);
CREATE INDEX findings_unit ON findings(unit_id, stage);

CREATE TABLE rectification_reports (
    id {id},
    finding_id {int} NOT NULL REFERENCES findings(id),
    text TEXT NOT NULL,
    complete {int} NOT NULL,
    user_id {int} REFERENCES users(id),
    on_date TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX rectification_reports_finding ON rectification_reports(finding_id);

CREATE TABLE rectification_verifications (
    id {id},
    finding_id {int} NOT NULL REFERENCES findings(id),
    decision TEXT NOT NULL,
    comment TEXT NOT NULL,
    user_id {int} REFERENCES users(id),
    on_date TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX rectification_verifications_finding ON rectification_verifications(finding_id);

CREATE TABLE visit_evidence (
    id {id},
    inspection_id {int} NOT NULL REFERENCES inspections(id),
    finding_id {int} REFERENCES findings(id),
    report_id {int} REFERENCES rectification_reports(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size {int} NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by {int} REFERENCES users(id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX visit_evidence_inspection ON visit_evidence(inspection_id, finding_id);

CREATE TABLE inspector_schools (
    unit_id {int} PRIMARY KEY REFERENCES units(id),
    user_id {int} NOT NULL REFERENCES users(id),
    assigned_at TEXT NOT NULL
);
CREATE INDEX inspector_schools_user ON inspector_schools(user_id);

CREATE TABLE directives (
    id {id},
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    deadline TEXT NOT NULL,
    cadence TEXT NOT NULL,
    stage TEXT NOT NULL,
    version {int} NOT NULL,
    created_by {int} REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE directive_units (
    directive_id {int} NOT NULL REFERENCES directives(id),
    unit_id {int} NOT NULL REFERENCES units(id),
    role TEXT NOT NULL,
    PRIMARY KEY (directive_id, unit_id)
);
CREATE INDEX directive_units_unit ON directive_units(unit_id);

CREATE TABLE directive_feedback (
    id {id},
    directive_id {int} NOT NULL REFERENCES directives(id),
    unit_id {int} NOT NULL REFERENCES units(id),
    text TEXT NOT NULL,
    done {int} NOT NULL,
    user_id {int} REFERENCES users(id),
    on_date TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX directive_feedback_directive ON directive_feedback(directive_id);

CREATE TABLE directive_decisions (
    id {id},
    directive_id {int} NOT NULL REFERENCES directives(id),
    decision TEXT NOT NULL,
    comment TEXT NOT NULL,
    user_id {int} REFERENCES users(id),
    on_date TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX directive_decisions_directive ON directive_decisions(directive_id)
"#;
