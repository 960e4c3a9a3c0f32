// The simulator's filter box narrows the municipality list as you type. Without this script
// the "Filteren" button does the same on the server. Hidden checkboxes are still sent with the
// form, so filtering never changes the choice.
(function () {
  "use strict";
  var box = document.getElementById("zoek");
  if (!box) return;
  var groups = document.querySelectorAll(".simulation-province");
  box.addEventListener("input", function () {
    var q = box.value.trim().toLowerCase();
    groups.forEach(function (group) {
      var inProvince = group.getAttribute("data-province").toLowerCase().indexOf(q) !== -1;
      var any = false;
      group.querySelectorAll("label").forEach(function (label) {
        var input = label.querySelector("input");
        var show = !q || inProvince || label.getAttribute("data-name").indexOf(q) !== -1 ||
          (input && input.value === q);
        label.hidden = !show;
        any = any || show;
      });
      group.hidden = !any;
    });
  });
})();
