{
    "name": "CRM Project Stages",
    "summary": "Sell projects through four phases: checklists, stage gates, "
    "phase history and problems per phase",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "CRM Suite Team",
    "website": "https://example.com/crm-suite",
    "license": "LGPL-3",
    "depends": ["crm", "mail"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/crm_project_stages_security.xml",
        "security/ir.model.access.csv",
        "data/crm_phase_checklist_item_data.xml",
        "data/crm_stage_data.xml",
        "views/crm_phase_checklist_item_views.xml",
        "views/crm_stage_views.xml",
        "views/crm_lead_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "wizard/crm_phase_force_wizard_views.xml",
        "views/crm_project_stages_menus.xml",
    ],
    "demo": ["demo/crm_lead_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "crm_project_stages/static/src/tours/*.js",
        ],
    },
    "installable": True,
    "application": False,
}
