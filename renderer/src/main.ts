import { mount } from 'svelte';
import App from './App.svelte';
import { applyStoredTheme } from './lib/theme.ts';
import './app.css';

applyStoredTheme();
const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target });
