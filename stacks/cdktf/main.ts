// The app of cdktf.json: `cdktf synth` runs this after `npm run build`. It synthesizes the estate
// in $LONGYUN_ESTATE (default: the shipped Gansu estate) into cdktf's output directory.
import { App } from 'cdktf';
import { shippedEstateDir } from '../../topology/paths.js';
import { desiredStateOf } from '../desired-state-of.js';
import { NodeStack } from './node-stack.js';

const { state } = desiredStateOf(process.env.LONGYUN_ESTATE ?? shippedEstateDir());
const app = new App({ skipValidation: true });
for (const graph of state.nodes) new NodeStack(app, { graph });
app.synth();
