// Keyboard: "/" jumps to the search box (as on most sites); Escape leaves a field;
// "j" / "k" move through result links (search results, records, requests, cases), Enter opens one.
document.addEventListener("keydown", (event) => {
  const field = document.getElementById("search-value");
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName || "");
  const plain = !event.ctrlKey && !event.metaKey && !event.altKey;
  if (event.key === "/" && field && !typing && plain) {
    event.preventDefault();
    field.focus();
    field.select();
  } else if (event.key === "Escape" && typing) {
    document.activeElement.blur();
  } else if ((event.key === "j" || event.key === "k") && !typing && plain) {
    const links = Array.from(document.querySelectorAll("a.result"));
    if (!links.length) return;
    event.preventDefault();
    const at = links.indexOf(document.activeElement);
    const next = event.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
  }
});
