{
    "name": "CRM Vendor Evaluation",
    "summary": "Evaluate CRM vendors and implementation partners as a team: weighted "
    "criteria, comparison, cost of ownership, decision",
    "version": "18.0.1.1.0",
    "category": "Sales/CRM",
    "author": "CRM Suite Team",
    "website": "https://example.com/crm-suite",
    "license": "LGPL-3",
    "depends": ["crm", "mail"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/crm_vendor_eval_security.xml",
        "security/ir.model.access.csv",
        "data/crm_vendor_eval_template_data.xml",
        "report/crm_vendor_comparison_templates.xml",
        "views/crm_vendor_eval_template_views.xml",
        "views/crm_vendor_eval_assignment_views.xml",
        "views/crm_vendor_evaluation_views.xml",
        "views/res_partner_views.xml",
        "views/crm_vendor_eval_menus.xml",
    ],
    "demo": ["demo/crm_vendor_evaluation_demo.xml"],
    "assets": {
        "web.assets_tests": ["crm_vendor_eval/static/src/tours/*.js"],
    },
    "installable": True,
    "application": False,
}
