"""Every label of the forecast, defined once and translated in the language of who looks at
it: the dashboard gets them with its data (the screen shows nothing of its own), the workbook
writes the same."""

FIGURES = ("target", "won", "commit", "best_case", "pipeline", "weighted", "forecast", "gap")
# The figures that open the records behind them: the opportunities, the sales targets counted
# (target), Forecast Analysis on the same period and scope (gap).
DRILLABLE_FIGURES = (
    "target",
    "won",
    "commit",
    "best_case",
    "pipeline",
    "weighted",
    "forecast",
    "gap",
)
MOVEMENTS = ("entered", "pulled_in", "grew", "won", "shrank", "slipped", "lost", "left")


def figure_labels(env):
    return {
        "target": env._("Target"),
        "won": env._("Closed Won"),
        "commit": env._("Commit"),
        "best_case": env._("Best Case"),
        "pipeline": env._("Pipeline"),
        "weighted": env._("Weighted Pipeline"),
        "forecast": env._("Forecast"),
        "gap": env._("Gap to Target"),
        "undated": env._("Without Closing Date"),
        "at_risk": env._("Stalled and At-Risk Deals"),
    }


def movement_labels(env):
    return {
        "entered": env._("New in the forecast"),
        "pulled_in": env._("Pulled in"),
        "grew": env._("Grew"),
        "won": env._("Won"),
        "shrank": env._("Shrank"),
        "slipped": env._("Slipped to a later period"),
        "lost": env._("Lost or omitted"),
        "left": env._("Left the forecast"),
    }


def period_type_labels(env):
    return {
        "month": env._("Month"),
        "quarter": env._("Quarter"),
        "year": env._("Year"),
        "custom": env._("Custom"),
    }


def column_labels(env):
    """The headers of the tables, on screen and in the workbook."""
    return {
        "team": env._("Sales Team"),
        "user": env._("Salesperson"),
        "total": env._("Total"),
        "attainment": env._("Won / Target"),
        "phase": env._("Phase"),
        "entered": env._("Opportunities Entered"),
        "current": env._("In Phase Now"),
        "moved_on": env._("Moved On"),
        "conversion_next": env._("Conversion to Next Phase"),
        "conversion_won": env._("Conversion to Won"),
        "won": env._("Won"),
        "lost_here": env._("Lost in Phase"),
        "avg_days": env._("Average Days"),
        "median_days": env._("Median Days"),
        "value": env._("Value"),
        "reason": env._("Lost Reason"),
        "count": env._("Opportunities"),
        "opportunity": env._("Opportunity"),
        "customer": env._("Customer"),
        "days_in_phase": env._("Days in Phase"),
        "stalled": env._("Stalled"),
        "open_problems": env._("Open Problems"),
        "overdue": env._("Overdue"),
        "why": env._("Why"),
        "date_deadline": env._("Expected Closing"),
        "expected_revenue": env._("Expected Revenue"),
        "weighted": env._("Weighted Revenue"),
        "movement": env._("Movement"),
        "value_change": env._("Value Change"),
        "weighted_change": env._("Weighted Change"),
        "before_date": env._("Closing Then"),
        "before_revenue": env._("Revenue Then"),
        "after_date": env._("Closing Now"),
        "after_revenue": env._("Revenue Now"),
        "net": env._("Net change"),
        "cost": env._("Cost of Selling"),
        "won_count": env._("Won Deals"),
        "won_amount": env._("Won Revenue"),
        "cost_per_won": env._("Cost per Won Deal"),
        "cost_ratio": env._("Cost / Revenue"),
        "budget": env._("Budget"),
        "budget_used": env._("Budget Used"),
        "forecast_category": env._("Forecast Category"),
        "closing": env._("Closing / Won On"),
        "probability": env._("Probability"),
        "currency": env._("Currency"),
    }


def section_labels(env):
    """The titles of the parts of the forecast."""
    return {
        "title": env._("Sales Forecast"),
        "by_team": env._("Forecast by sales team"),
        "by_user": env._("Forecast by salesperson"),
        "undated": env._("Open opportunities without expected closing date, in no period:"),
        "funnel": env._("Funnel (opportunities that entered a phase in the period)"),
        "lost": env._("Lost in the period, by phase"),
        "risk": env._("Stalled and at-risk deals"),
        "movement": env._("Movement since the snapshot"),
        "latest_snapshot": env._("Latest snapshot before today"),
        "no_snapshot": env._(
            "No snapshot yet: the forecast is frozen every week, or with Take Snapshot."
        ),
        "cost": env._("Cost of selling"),
        "open_problems": env._("Open problems"),
        "analysis": env._("Forecast Analysis"),
        "loading": env._("Loading…"),
    }


def table_note_labels(env):
    """Why a table's total target is not the Target figure, where that happens (the key is
    the forecast's ``notes``)."""
    return {
        "team_plan": env._(
            "Total: the salespeople's targets added up. The Target figure is the sales teams' "
            "target, the manager's plan for each team: it is not the sum of its members' "
            "targets, unless the team target is marked Sum of Member Targets."
        ),
        "no_team_target": env._(
            "No sales team has a target for the period: the Target figure adds up the "
            "salespeople's targets."
        ),
        "user_view": env._(
            "A salesperson's target is not split by sales team: it is the Target figure and "
            "the forecast by salesperson."
        ),
    }


def dashboard_labels(env):
    """What the screen shows, besides the figures themselves."""
    figures = figure_labels(env)
    return {
        "figures": [
            {"key": key, "label": figures[key], "drill": key in DRILLABLE_FIGURES}
            for key in FIGURES
        ],
        "figure": figures,
        "period_types": list(period_type_labels(env).items()),
        "columns": column_labels(env),
        "sections": section_labels(env),
        "notes": table_note_labels(env),
    }


def workbook_labels(env, params):
    """The texts of the workbook of ``params`` (a ``ForecastParams``)."""
    figures = figure_labels(env)
    return {
        **column_labels(env),
        **{f"figure_{key}": value for key, value in figures.items()},
        "title": env._("Sales Forecast"),
        "period": env._("Period"),
        "currency_name": env.company.currency_id.name,
        "team_filter": env._("Sales Team"),
        "user_filter": env._("Salesperson"),
        "all": env._("All"),
        "team_name": params.team.name or "",
        "user_name": params.user.name or "",
        "sheet_forecast": env._("Forecast"),
        "sheet_funnel": env._("Funnel"),
        "sheet_risk": env._("Stalled and At-Risk"),
        "sheet_movement": env._("Snapshot Movement"),
        "sheet_cost": env._("Cost of Selling"),
        "sheet_detail": env._("Opportunities"),
        "by_team": env._("By sales team"),
        "by_user": env._("By salesperson"),
        "undated": env._("Open opportunities without closing date"),
        "lost_title": env._("Lost deals by phase and reason"),
        "chart_title": env._("Funnel: opportunities that entered each phase"),
        "yes": env._("Yes"),
        "no": env._("No"),
        "snapshot": env._("Compared with snapshot"),
        "no_snapshot": env._("No snapshot taken yet."),
        **{f"note_{key}": text for key, text in table_note_labels(env).items()},
    }
