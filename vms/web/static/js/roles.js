// What each role may open (mirrors the API's checks; the API refuses anyway, this only hides).
// Admin passes every check.

const CAN = {
  wall: ["installer", "operator", "investigator", "viewer"],
  events: ["operator", "investigator", "viewer"],
  timeline: ["operator", "investigator", "viewer"],
  search: ["operator", "investigator"], // filters beyond camera and time
  playback: ["installer", "operator", "investigator"],
  exports: ["investigator"],
  cameras: ["installer"],
  users: [],
  audit: [],
  reports: ["operator", "investigator"],
  onvif: ["installer"],
  ptz: ["installer", "operator", "investigator"],
  alarms: ["operator", "investigator"], // acknowledge, false alarm, handled
  rules: ["installer"], // draw zones and lines (the rule editor)
  records: ["installer", "operator", "investigator"],
  records_edit: ["installer"],
  maintenance: ["installer", "operator"],
  health: ["installer", "operator"], // the node's health page
};

export function can(user, capability) {
  if (!user) return false;
  return user.role === "admin" || (CAN[capability] ?? []).includes(user.role);
}
