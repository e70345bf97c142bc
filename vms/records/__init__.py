"""The commune programme's records (hồ sơ) around the cameras.

The operating rules of a "Camera giám sát ANTT" programme ask the commune police to keep a file
on every camera (building, installation, management, use, maintenance), to count the cameras
accurately, to end those that do not work or bring nothing, and to review the programme
periodically. This package holds that side of the service:

- `schemas`: the camera record (owner, funder, agreement, installation, place, coverage, status);
- `camera_records`: reading and changing records, every change audited with old and new values;
- `files`: agreement scans and the site map image (size and type checked, stored by content hash);
- `maintenance`: fault tickets, raised by hand or automatically (`watcher`);
- `effectiveness` and `review`: what each camera achieved in a period, and the periodic review
  report (`review_pdf`, `review_xlsx` render it);
- `importer`: the commune's existing camera list from CSV/xlsx, with a dry run.
"""
