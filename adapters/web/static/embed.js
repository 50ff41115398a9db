// Storybot embed: turns each <a data-storybot-embed="…"> into a lazily loaded iframe that sizes
// itself from the height its page posts. Without JavaScript the link still leads to the wall.
(function () {
  "use strict";
  var links = document.querySelectorAll("a[data-storybot-embed]");
  Array.prototype.forEach.call(links, function (link) {
    var src = link.getAttribute("data-storybot-embed");
    var origin;
    try { origin = new URL(src, document.baseURI).origin; } catch (e) { return; }
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.loading = "lazy";
    frame.title = link.textContent;
    frame.setAttribute("data-storybot-frame", "");
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.height = "480px";
    window.addEventListener("message", function (event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) return;
      var data = event.data;
      if (!data || data.storybot !== "height" || typeof data.height !== "number") return;
      frame.style.height = Math.max(100, Math.min(20000, data.height)) + "px";
    });
    link.parentNode.replaceChild(frame, link);
  });
})();
