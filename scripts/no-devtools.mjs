// Stands in for react-devtools-core in the CLI bundle (Ink loads it only with DEV=true).
export default { initialize() {}, connectToDevTools() {} };
