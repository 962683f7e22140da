// Building the page's elements. Text goes in with textContent and
// attributes with setAttribute: nothing here parses markup, so whatever a
// log holds shows as the characters it is.

const SVG = "http://www.w3.org/2000/svg";

// el makes an HTML element with attributes and children (strings become
// text nodes).
export function el(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

// svg makes an SVG element the same way.
export function svg(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG, tag), attrs, children);
}

function fill(node, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) {
      node.addEventListener(k.slice(2), v);
    } else {
      node.setAttribute(k, v === true ? "" : String(v));
    }
  }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    node.append(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return node;
}

// clear empties a node.
export function clear(node) {
  node.replaceChildren();
  return node;
}
