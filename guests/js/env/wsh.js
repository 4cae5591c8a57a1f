// The wsh environment (being written).
function (A) {
  A.emit("other", "environment", ["wsh"]);
}
