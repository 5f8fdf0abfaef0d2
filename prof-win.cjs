const fs=require('fs');const p=JSON.parse(fs.readFileSync(process.argv[2]));
const byId=new Map();for(const n of p.nodes)byId.set(n.id,n);
const parent=new Map();for(const n of p.nodes)for(const ch of n.children||[])parent.set(ch,n.id);
// time of each sample
let t=p.startTime;const times=[];for(let i=0;i<p.samples.length;i++){t+=p.timeDeltas[i];times.push(t);}
const isEngine=id=>{const u=byId.get(id).callFrame.url;return u.includes('engine/engine.ts')};
let first=Infinity,last=0;for(let i=0;i<p.samples.length;i++){if(isEngine(p.samples[i])){first=Math.min(first,times[i]);last=Math.max(last,times[i]);}}
console.log('window s',((last-first)/1e6).toFixed(2));
// inclusive time per category by walking stack
const cat=new Map();let tot=0,idle=0;
for(let i=1;i<p.samples.length;i++){if(times[i]<first||times[i]>last)continue;const d=p.timeDeltas[i]/1000;tot+=d;let id=p.samples[i];const n=byId.get(id);if(n.callFrame.functionName==='(idle)'){idle+=d;continue;}
 const seen=new Set();let k='other';const stack=[];while(id!==undefined){const f=byId.get(id).callFrame;stack.push(f.functionName+'@'+f.url.split('/').slice(-2).join('/'));id=parent.get(id);}
 const s=stack.join(' ');
 if(s.includes('commitBatch@'))k='commitBatch';else if(s.includes('refill@'))k='refill';else if(s.includes('garbage'))k='gc';else if(/openai|undici|webstreams|stream|net\b|http/.test(s))k='sdk/http';else if(s.includes('record-heads'))k='record-heads(main)';else k='other:'+stack[0];
 cat.set(k,(cat.get(k)||0)+d);}
console.log('total',tot.toFixed(0),'idle',idle.toFixed(0));
for(const [k,v] of [...cat].sort((a,b)=>b[1]-a[1]).slice(0,25))console.log(v.toFixed(0).padStart(6),k);
