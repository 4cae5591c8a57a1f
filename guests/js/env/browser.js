// The browser environment (being written).
function (A) {
  A.emit("other", "environment", ["browser"]);
}
