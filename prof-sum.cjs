const fs=require('fs');const f=process.argv[2];const p=JSON.parse(fs.readFileSync(f));
const byId=new Map();for(const n of p.nodes)byId.set(n.id,n);
const self=new Map();const dt=p.timeDeltas;let total=0;
const cnt=new Map();for(let i=0;i<p.samples.length;i++){cnt.set(p.samples[i],(cnt.get(p.samples[i])||0)+(dt[i]||0));}
const byFn=new Map(),byFile=new Map();
for(const [id,t] of cnt){const n=byId.get(id);const cf=n.callFrame;const k=`${cf.functionName||'(anon)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber}`;byFn.set(k,(byFn.get(k)||0)+t);const fk=cf.url.replace(/.*node_modules\//,'nm/').split('/').slice(0,3).join('/')||cf.functionName;byFile.set(fk,(byFile.get(fk)||0)+t);total+=t;}
console.log('total ms',total/1000);
for(const [k,t] of [...byFn].sort((a,b)=>b[1]-a[1]).slice(0,40))console.log((t/1000).toFixed(0).padStart(6),k);
console.log('--- by file');
for(const [k,t] of [...byFile].sort((a,b)=>b[1]-a[1]).slice(0,30))console.log((t/1000).toFixed(0).padStart(6),k);
