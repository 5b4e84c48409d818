// Attentions computed client-side for <attnscope-view model="…" text="…">: loads the model folder
// once per URL with the module's core.loadModel and runs it on the text.
export function createModelDataLoader(loadCore) {
  const models = new Map();  // folder URL -> Promise of the loaded model
  return async function loadModelData(url, text) {
    const core = await loadCore();
    if (typeof core.loadModel !== 'function') {
      throw new Error('<attnscope-view> attribute "model": this build of attnscope has no model loader (core.loadModel)');
    }
    if (!models.has(url)) {
      models.set(url, core.loadModel(url).catch((error) => { models.delete(url); throw error; }));
    }
    const model = await models.get(url);
    return model.attentions(text);
  };
}
