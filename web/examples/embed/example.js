// The example page's scripted part (a separate file: the page's policy allows no inline scripts).
// Waits for the element class from the bundle, then gives the second element the first one's data.
await customElements.whenDefined('attnscope-view');
const source = document.getElementById('json-head');
const target = document.getElementById('property-matrix');
target.data = {
  tokens: JSON.parse(source.getAttribute('tokens')),
  attentions: JSON.parse(source.getAttribute('attentions')),
};
