"""Reference churn scoring job: reads customer behaviour from Odoo over its external API,
scores churn risk with an explainable model, pushes the scores to crm_churn_score's push API.
It imports nothing from Odoo."""

__version__ = "1.0.0"
