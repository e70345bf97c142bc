"""The alarm console's service side: which events are alarms (policy), their push to open pages
(watcher) and the operator's review of each one (acknowledge, false alarm, handled)."""
