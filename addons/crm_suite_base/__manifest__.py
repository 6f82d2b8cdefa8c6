{
    "name": "CRM Suite Base",
    "summary": "Technical base of the CRM suite: fields only the server writes, Excel workbooks",
    "version": "18.0.1.0.0",
    "category": "Hidden/Technical",
    "author": "CRM Suite Team",
    "website": "https://example.com/crm-suite",
    "license": "LGPL-3",
    "depends": ["base"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [],
    "installable": True,
    "application": False,
}
