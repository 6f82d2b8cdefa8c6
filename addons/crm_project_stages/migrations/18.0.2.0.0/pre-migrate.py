"""18.0.1.x -> 18.0.2.0.0: the forecast leaves this addon for crm_project_forecast, and the
competitive bid's Tender rule for the crm_vendor_eval_tender bridge; one ``-u`` of this addon
brings them.

Before this addon's new code loads:

* the records of the forecast (models, fields, views, actions, menus, access rules, record
  rules, scheduled jobs, demo data) move to crm_project_forecast in ``ir_model_data``, so that
  nothing of the forecast is dropped when this addon no longer declares it: the tables and
  columns stay, with their data;
* crm_project_forecast is marked to load next in this same run: as an upgrade of what it was
  inside this addon when a forecast was there (18.0.1.1.0: its records are respected, its data
  is converted by ``post-migrate``), as an install otherwise (18.0.1.0.0: it fills the forecast
  of the opportunities already there); the bridge is marked to install when crm_vendor_eval is
  there;
* the columns the new code would compute record by record are created empty, for
  ``post-migrate`` to fill in SQL.

Self-contained SQL, as migrations are: nothing here calls the code of the addons."""

FORECAST = "crm_project_forecast"
FORECAST_VERSION = "18.0.1.0.0"
BRIDGE = "crm_vendor_eval_tender"
FORECAST_MODELS = (
    "crm.phase.win.rate",
    "crm.sales.target",
    "crm.forecast.snapshot",
    "crm.forecast.snapshot.line",
    "crm.forecast.report",
    "crm.selling.cost.report",
    "crm.forecast.dashboard",
    "crm.lead.cost",
)
# Fields the forecast added to models that stay here or belong to others.
FORECAST_FIELDS = {
    "crm.lead": (
        "forecast_category_manual",
        "forecast_category",
        "phase_probability",
        "forecast_probability",
        "forecast_revenue",
        "date_won",
        "cost_ids",
        "selling_cost",
    ),
    "mail.activity.type": ("crm_selling_cost",),
    "res.config.settings": ("crm_win_rate_lookback_days", "crm_win_rate_min_deals"),
}
# Views, actions, menus, access and record rules, scheduled jobs and demo records.
FORECAST_RECORDS = (
    "crm_forecast_%",
    "crm_sales_target_%",
    "crm_phase_win_rate_%",
    "crm_selling_cost_report_%",
    "crm_lead_cost_%",
    "access_crm_forecast_%",
    "access_crm_sales_target_%",
    "access_crm_phase_win_rate_%",
    "access_crm_selling_cost_report_%",
    "access_crm_lead_cost_%",
    "ir_cron_recompute_win_rates%",
    "ir_cron_forecast_snapshot%",
    "mail_activity_type_view_form",
    "crm_lead_view_list_forecast",
    "target_%_demo",
    "cost_%_demo",
    "snapshot_%_demo",
    "snapshot_line_%_demo",
)
NEW_COLUMNS = {
    "crm_lead_phase_history": {
        "duration": "float8",
        "is_first_entry": "boolean",
        "phase_closed_days": "float8",
        "phase_open_since": "timestamp",
        "lead_type": "varchar",
        "lead_user_id": "int4",
        "lead_team_id": "int4",
        "lead_outcome": "varchar",
        "lead_phase_id": "int4",
        "lead_phase_reached_sequence": "int4",
        "lead_expected_revenue": "numeric",
    },
    "crm_lead_problem": {"phase_id": "int4"},
    "crm_lead": {"outcome": "varchar", "date_stalled": "timestamp"},
}


def migrate(cr, version):
    if not version:
        return
    for table, columns in NEW_COLUMNS.items():
        for column, column_type in columns.items():
            cr.execute(f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "{column}" {column_type}')
    forecast_was_here = _move_forecast_records(cr)
    _mark_to_load(cr, forecast_was_here)


def _move_forecast_records(cr):
    """Hand the forecast's records to its addon; whether there was a forecast to hand."""
    cr.execute(
        "SELECT 1 FROM ir_model_data WHERE module = 'crm_project_stages' AND model = 'ir.model' "
        "AND name = 'model_crm_sales_target'"
    )
    if not cr.fetchone():
        return False
    tables = [model.replace(".", "_") for model in FORECAST_MODELS]
    names = [f"model_{table}" for table in tables]
    patterns = [
        *(f"field\\_{table}\\_\\_%" for table in tables),
        *(f"selection\\_\\_{table}\\_\\_%" for table in tables),
        *FORECAST_RECORDS,
    ]
    for model, fields in FORECAST_FIELDS.items():
        table = model.replace(".", "_")
        names += [f"field_{table}__{field}" for field in fields]
        patterns += [f"selection\\_\\_{table}\\_\\_{field}\\_\\_%" for field in fields]
    cr.execute(
        """
        UPDATE ir_model_data
           SET module = %s
         WHERE module = 'crm_project_stages'
           AND (name = ANY(%s) OR name LIKE ANY(%s))
        """,
        [FORECAST, names, patterns],
    )
    # The constraints and relation tables of the moved models are the forecast's too.
    for table in ("ir_model_constraint", "ir_model_relation"):
        cr.execute(
            f"""
            UPDATE {table} t
               SET module = (SELECT id FROM ir_module_module WHERE name = %s)
              FROM ir_model m
             WHERE m.id = t.model AND m.model = ANY(%s)
               AND t.module = (SELECT id FROM ir_module_module
                                WHERE name = 'crm_project_stages')
            """,
            [FORECAST, list(FORECAST_MODELS)],
        )
    return True


def _mark_to_load(cr, forecast_was_here):
    """The forecast (and the modules it needs that are not there yet) and the bridge load in
    this run, after this addon."""
    if forecast_was_here:
        cr.execute(
            """
            UPDATE ir_module_module
               SET state = 'to upgrade', latest_version = %s,
                   demo = (SELECT demo FROM ir_module_module WHERE name = 'crm_project_stages')
             WHERE name = %s AND state = 'uninstalled'
            """,
            [FORECAST_VERSION, FORECAST],
        )
    else:
        cr.execute(
            "UPDATE ir_module_module SET state = 'to install' "
            "WHERE name = %s AND state = 'uninstalled'",
            [FORECAST],
        )
    cr.execute(
        """
        UPDATE ir_module_module SET state = 'to install'
         WHERE name = %s AND state = 'uninstalled'
           AND EXISTS (SELECT 1 FROM ir_module_module
                        WHERE name = 'crm_vendor_eval'
                          AND state IN ('installed', 'to upgrade', 'to install'))
        """,
        [BRIDGE],
    )
    cr.execute(
        """
        WITH RECURSIVE needed(name) AS (
            SELECT m.name FROM ir_module_module m
             WHERE m.name IN %s AND m.state IN ('to install', 'to upgrade')
            UNION
            SELECT d.name
              FROM needed n
              JOIN ir_module_module m ON m.name = n.name
              JOIN ir_module_module_dependency d ON d.module_id = m.id
        )
        UPDATE ir_module_module SET state = 'to install'
         WHERE name IN (SELECT name FROM needed) AND state = 'uninstalled'
        """,
        [(FORECAST, BRIDGE)],
    )
