"""Pictures and files for the lead: charts (PNG) and the month's spreadsheet (.xlsx)."""
