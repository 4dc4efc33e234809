// Keyboard: "/" jumps to the search box (as on most sites); Escape leaves a field.
document.addEventListener("keydown", (event) => {
  const field = document.getElementById("search-value");
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName || "");
  if (event.key === "/" && field && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    field.focus();
    field.select();
  } else if (event.key === "Escape" && typing) {
    document.activeElement.blur();
  }
});
