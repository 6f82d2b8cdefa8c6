{
    "name": "CRM Vendor Evaluation: Tender Phase",
    "summary": "A competitive bid is evaluated on an opportunity in the Tender phase",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "CRM Suite Team",
    "website": "https://example.com/crm-suite",
    "license": "LGPL-3",
    "depends": ["crm_vendor_eval", "crm_project_stages"],
    "data": [],
    "auto_install": True,
    "installable": True,
    "application": False,
}
