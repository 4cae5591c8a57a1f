// The node environment (being written).
function (A) {
  A.emit("other", "environment", ["node"]);
}
