// On a narrow window the charts scroll sideways: start at the latest years.
document.querySelectorAll(".chart-scroll").forEach(function (box) { box.scrollLeft = box.scrollWidth; });
