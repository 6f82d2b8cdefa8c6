{
    "name": "CRM Churn Score",
    "summary": "Churn risk scores from an external scoring job, kept with their history and "
    "reasons on the customer master",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "CRM Suite Team",
    "website": "https://example.com/crm-suite",
    "license": "LGPL-3",
    "depends": ["crm", "mail"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/crm_churn_score_security.xml",
        "security/ir.model.access.csv",
        "views/crm_churn_score_views.xml",
        "views/res_partner_views.xml",
        "views/crm_churn_score_menus.xml",
    ],
    "demo": ["demo/crm_churn_score_demo.xml"],
    "installable": True,
    "application": False,
}
