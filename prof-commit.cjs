const fs=require('fs');const p=JSON.parse(fs.readFileSync(process.argv[2]));
const byId=new Map();for(const n of p.nodes)byId.set(n.id,n);
const parent=new Map();for(const n of p.nodes)for(const ch of n.children||[])parent.set(ch,n.id);
const agg=new Map();const selfAgg=new Map();
for(let i=1;i<p.samples.length;i++){const d=p.timeDeltas[i]/1000;let id=p.samples[i];const stack=[];while(id!==undefined){const f=byId.get(id).callFrame;stack.push(f.functionName||'(anon)');id=parent.get(id);}
 const ci=stack.indexOf('commitBatch');if(ci<0)continue;
 // the frames under commitBatch: find deepest "interesting" one
 const under=stack.slice(0,ci).reverse(); // from commitBatch's child downward
 const key=under.slice(0,6).join(' > ');
 const leaf=stack[0];
 const interesting=['insertTask','insertInstance','flush','evaluate','recordHeads','extend','scanWord','markDone','writeProgress','stringify','nextCalls','insertPending','ledger','run','commitOne','sqliteTransaction'];
 let tag=leaf; for(const fn of under){ if(['insertTask','insertInstance','flush','evaluate','recordHeads','markDone','writeProgress','nextCalls','storedSimilarity','accept','parse'].includes(fn)){tag=fn;break;} }
 if(under.length<=2) tag='txn-self:'+leaf;
 agg.set(tag,(agg.get(tag)||0)+d);}
for(const [k,v] of [...agg].sort((a,b)=>b[1]-a[1]).slice(0,30))console.log(v.toFixed(0).padStart(6),k);
